/**
 * Vault's error responses. Every status >= 400 carries `{"errors":[...]}`;
 * the status follows the mapping in sdk/logical/response_util.go.
 */

export class VaultError extends Error {
  readonly status: number;
  readonly errors: string[];

  constructor(status: number, errors: string | string[]) {
    const list = typeof errors === 'string' ? [errors] : errors;
    super(list[0] ?? `status ${status}`);
    this.status = status;
    this.errors = list;
  }
}

/** Formats errors the way hashicorp/go-multierror prints them, as current Vault returns them. */
export function multierror(messages: string[]): string {
  const noun = messages.length === 1 ? 'error' : 'errors';
  return `${messages.length} ${noun} occurred:\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

export const PERMISSION_DENIED = multierror(['permission denied']);
export const INVALID_TOKEN = multierror(['permission denied', 'invalid token']);

export function badRequest(message: string): VaultError {
  return new VaultError(400, message);
}

export function forbidden(message = PERMISSION_DENIED): VaultError {
  return new VaultError(403, message);
}

export function notFound(): VaultError {
  return new VaultError(404, []);
}

export function unsupportedOperation(): VaultError {
  return new VaultError(405, 'unsupported operation');
}

export function internalError(message = 'internal error'): VaultError {
  return new VaultError(500, message);
}

export function noHandler(path: string): VaultError {
  return new VaultError(404, `no handler for route "${path}". route entry not found.`);
}
