/**
 * Request handling in Vault's order (vault/request_handling.go): seal check,
 * token check, ACL check (sudo on root-protected paths), audit of the
 * request, the backend, audit of the response, then the response envelope.
 */
import { randomUUID } from 'node:crypto';
import { recordAudit } from './audit.ts';
import { errorText, type VaultCore } from './core.ts';
import type { DatabaseEngine } from './database.ts';
import { badRequest, forbidden, INVALID_TOKEN, noHandler, VaultError } from './errors.ts';
import { handleKubernetesAuth } from './kubernetes-auth.ts';
import { handleKv, kvEntryExists } from './kv.ts';
import { type Capability, capabilitiesFor } from './policy.ts';
import { findMount, handleSys } from './sys.ts';
import { handleTokenPath } from './tokens.ts';
import type { HandlerResult, MountEntry, VaultRequest } from './types.ts';

export interface RoutedResponse {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** Paths served while sealed (vault/http/handler.go). */
const SEALED_PATHS = new Set([
  'sys/health',
  'sys/seal-status',
  'sys/init',
  'sys/unseal',
  'sys/leader',
]);
/** Paths that need no token. */
const UNAUTHENTICATED = new Set([...SEALED_PATHS]);
/** Root-protected paths need `sudo` besides the operation's capability (logical_system.go PathsSpecial.Root). */
const ROOT_PROTECTED = [
  /^sys\/audit(\/|$)/,
  /^sys\/audit-hash\//,
  /^sys\/seal$/,
  /^sys\/(leases\/)?revoke-prefix\//,
  /^sys\/(leases\/)?revoke-force\//,
  /^sys\/leases\/lookup\/./,
];

export class Router {
  private readonly core: VaultCore;
  private readonly database: DatabaseEngine;

  constructor(core: VaultCore, database: DatabaseEngine) {
    this.core = core;
    this.database = database;
  }

  async handle(request: VaultRequest): Promise<RoutedResponse> {
    let audited = false;
    try {
      const result = await this.authorizeAndDispatch(request, () => {
        audited = true;
      });
      return this.respond(request, result);
    } catch (error) {
      const vaultError = this.toVaultError(request, error);
      if (audited) this.auditResponseSafely(request, vaultError);
      return { status: vaultError.status, body: { errors: vaultError.errors } };
    }
  }

  private async authorizeAndDispatch(
    request: VaultRequest,
    onAudited: () => void,
  ): Promise<HandlerResult | undefined> {
    const core = this.core;
    if (!SEALED_PATHS.has(request.path) && core.barrier.sealed)
      throw new VaultError(503, 'Vault is sealed');
    this.resolveMount(request);
    const write = request.operation === 'create' || request.operation === 'update';
    if (write && request.path.endsWith('/'))
      throw badRequest("cannot write to a path ending in '/'");

    const unauthenticated =
      UNAUTHENTICATED.has(request.path) ||
      this.isLogin(request) ||
      request.path.startsWith('sys/internal/ui/mounts/');
    if (!unauthenticated) {
      if (request.clientToken === undefined || request.clientToken === '')
        throw forbidden('permission denied');
      const token = await core.lookupToken(request.clientToken);
      if (token === undefined) throw forbidden(INVALID_TOKEN);
      request.token = token;
      this.checkAcl(request);
    }

    recordAudit(core, 'request', { request, token: request.token });
    onAudited();
    const result = await this.dispatch(request);
    await this.consumeUse(request);
    recordAudit(core, 'response', {
      request,
      token: request.token,
      response: {
        status: result?.status ?? (result === undefined ? 204 : 200),
        data: result?.raw ?? result?.data,
        auth: result?.auth,
        leaseId: result?.leaseId,
        warnings: result?.warnings,
      },
    });
    return result;
  }

  private isLogin(request: VaultRequest): boolean {
    return request.mount?.type === 'kubernetes' && request.mountRelative === 'login';
  }

  /** Sets `mount` and `mountRelative`, and turns a write into `create` or `update` by the entry's existence. */
  private resolveMount(request: VaultRequest): void {
    if (request.path.startsWith('sys/')) return;
    const auth = request.path.startsWith('auth/');
    const table = auth ? this.core.state.authMounts : this.core.state.mounts;
    const inner = auth ? request.path.slice('auth/'.length) : request.path;
    const mount = findMount(table, inner);
    if (mount === undefined) return;
    request.mount = mount;
    request.mountRelative = inner.slice(mount.path.length);
    if ((request.operation === 'create' || request.operation === 'update') && mount.type === 'kv') {
      request.operation = kvEntryExists(mount, request.mountRelative) ? 'update' : 'create';
    }
  }

  private checkAcl(request: VaultRequest): void {
    const token = request.token;
    if (token === undefined || token.policies.includes('root')) {
      request.grantingPolicies = ['root'];
      return;
    }
    const decision = capabilitiesFor(this.core.policiesOf(token), request.path);
    const needed: Capability = request.operation;
    const allowed = decision.capabilities.has(needed) && !decision.capabilities.has('deny');
    const needsSudo = ROOT_PROTECTED.some((pattern) => pattern.test(request.path));
    if (!allowed || (needsSudo && !decision.capabilities.has('sudo'))) throw forbidden();
    request.grantingPolicies = decision.grantingPolicies;
  }

  private async dispatch(request: VaultRequest): Promise<HandlerResult | undefined> {
    const core = this.core;
    if (request.path.startsWith('sys/'))
      return handleSys(core, request, request.path.slice('sys/'.length));
    const mount: MountEntry | undefined = request.mount;
    const relative = request.mountRelative ?? '';
    if (mount === undefined) throw noHandler(request.path);
    switch (mount.type) {
      case 'token':
        return handleTokenPath(core, request, relative);
      case 'kubernetes':
        return handleKubernetesAuth(core, request, mount, relative);
      case 'kv':
        return handleKv(core, request, mount, relative);
      case 'database':
        return this.database.handle(request, mount, relative);
      default:
        throw noHandler(request.path);
    }
  }

  /** Counts a use against `num_uses` and revokes the token after its last use (token_store.go UseToken). */
  private async consumeUse(request: VaultRequest): Promise<void> {
    const token = request.token;
    if (token === undefined || token.numUses === 0) return;
    token.numUses -= 1;
    if (token.numUses === 0) await this.core.revokeToken(token.id);
    else this.core.save();
  }

  private respond(request: VaultRequest, result: HandlerResult | undefined): RoutedResponse {
    if (result === undefined) return { status: 204, body: undefined };
    const status = result.status ?? 200;
    if (result.raw !== undefined) return { status, body: result.raw };
    const body: Record<string, unknown> = {
      request_id: request.id,
      lease_id: result.leaseId ?? '',
      renewable: result.renewable ?? false,
      lease_duration: result.leaseDuration ?? 0,
      data: result.data ?? null,
      wrap_info: null,
      warnings:
        result.warnings !== undefined && result.warnings.length > 0 ? result.warnings : null,
      auth: result.auth ?? null,
      mount_type: request.mount?.type ?? (request.path.startsWith('sys/') ? 'system' : ''),
    };
    // Vault copies sys/ response data to the top level for older clients (http/logical.go).
    if (request.path.startsWith('sys/') && result.data !== null && result.data !== undefined) {
      for (const [key, value] of Object.entries(result.data)) if (!(key in body)) body[key] = value;
    }
    return { status, body };
  }

  private toVaultError(request: VaultRequest, error: unknown): VaultError {
    if (error instanceof VaultError) return error;
    this.core.log.error('core', 'request failed', {
      request_id: request.id,
      path: request.path,
      error: errorText(error),
    });
    return new VaultError(500, errorText(error));
  }

  private auditResponseSafely(request: VaultRequest, error: VaultError): void {
    try {
      recordAudit(this.core, 'response', {
        request,
        token: request.token,
        error: error.errors.join('; ') || `status ${error.status}`,
        response: { status: error.status },
      });
    } catch {
      // The failure is logged by recordAudit; the client already gets an error.
    }
  }
}

export function newRequestId(): string {
  return randomUUID();
}
