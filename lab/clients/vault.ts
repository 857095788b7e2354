/**
 * A thin Vault HTTP client over undici, trusting the basecamp's CA. Faults,
 * probes and actions call Vault through it exactly as an operator's `vault`
 * CLI or curl would, so they work against a real Vault too.
 */
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';

export interface VaultResponse {
  status: number;
  /** The parsed JSON body; empty for 204. */
  body: Record<string, unknown>;
  /** `errors` from the body, joined; empty on success. */
  errorText: string;
}

/** A Vault error response, with the status and Vault's own error text. */
export class VaultApiError extends Error {
  readonly status: number;
  readonly errorText: string;

  constructor(method: string, path: string, response: VaultResponse) {
    const detail = response.errorText || `status ${response.status}`;
    super(`Vault ${method} /v1/${path} failed with ${response.status}: ${detail}`);
    this.name = 'VaultApiError';
    this.status = response.status;
    this.errorText = response.errorText;
  }
}

export interface VaultClientOptions {
  addr: string;
  /** PEM text of the CA that signed Vault's certificate. */
  caCertPem?: string;
  token?: string;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number;
}

export class VaultClient {
  readonly addr: string;
  token: string | undefined;
  readonly #dispatcher: Agent;
  readonly #timeoutMs: number;

  constructor(options: VaultClientOptions) {
    this.addr = options.addr.replace(/\/+$/, '');
    this.token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#dispatcher = new Agent({ connect: options.caCertPem ? { ca: options.caCertPem } : {} });
  }

  /** Builds a client from the address, the CA file and the token file of a basecamp. */
  static async fromFiles(addr: string, caCertFile: string | undefined, tokenFile: string): Promise<VaultClient> {
    const caCertPem = caCertFile ? await readFile(caCertFile, 'utf8') : undefined;
    const token = (await readFile(tokenFile, 'utf8')).trim();
    return new VaultClient({ addr, caCertPem, token });
  }

  /** Sends one request and returns the response whatever its status. */
  async raw(method: string, path: string, body?: unknown, token = this.token): Promise<VaultResponse> {
    const headers: Record<string, string> = {};
    if (token) headers['x-vault-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await request(`${this.addr}/v1/${path.replace(/^\/+/, '')}`, {
      method: method as 'GET',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.#dispatcher,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    const text = await response.body.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { errors: [text] };
    }
    const errors = Array.isArray(parsed.errors) ? (parsed.errors as unknown[]).map(String) : [];
    return { status: response.statusCode, body: parsed, errorText: errors.join('; ') };
  }

  /** Sends one request and throws a VaultApiError unless the status is 2xx. */
  async call(method: string, path: string, body?: unknown, token = this.token): Promise<Record<string, unknown>> {
    const response = await this.raw(method, path, body, token);
    if (response.status < 200 || response.status >= 300) throw new VaultApiError(method, path, response);
    return response.body;
  }

  /** GET `path` and return its `data`, or undefined on 404. */
  async read(path: string): Promise<Record<string, unknown> | undefined> {
    const response = await this.raw('GET', path);
    if (response.status === 404) return undefined;
    if (response.status < 200 || response.status >= 300) throw new VaultApiError('GET', path, response);
    return (response.body.data ?? {}) as Record<string, unknown>;
  }

  async write(path: string, body: unknown = {}): Promise<Record<string, unknown>> {
    return this.call('POST', path, body);
  }

  async delete(path: string): Promise<void> {
    await this.call('DELETE', path);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}
