/**
 * File audit devices (hashicorp/vault builtin/audit/file, audit/hashstructure.go):
 * one JSON object per line for every request and response, with client
 * tokens, accessors and every string inside request and response data
 * replaced by `hmac-sha256:<hex>` keyed with the device's salt.
 */

import { createHmac, randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { VaultCore } from './core.ts';
import { errorText } from './core.ts';
import { badRequest, internalError, notFound, unsupportedOperation } from './errors.ts';
import { boolField, stringField, stringMapField } from './fields.ts';
import type { AuditDeviceEntry, HandlerResult, TokenEntry, VaultRequest } from './types.ts';

/** Paths Vault never audits (vault/request_handling.go). */
const UNAUDITED = new Set([
  'sys/init',
  'sys/seal-status',
  'sys/seal',
  'sys/unseal',
  'sys/health',
  'sys/leader',
]);

export function hmacValue(salt: string, value: string): string {
  return `hmac-sha256:${createHmac('sha256', salt).update(value).digest('hex')}`;
}

function hashStrings(salt: string, value: unknown): unknown {
  if (typeof value === 'string') return hmacValue(salt, value);
  if (Array.isArray(value)) return value.map((item) => hashStrings(salt, item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, hashStrings(salt, item)]),
    );
  }
  return value;
}

export function isAudited(path: string): boolean {
  return !UNAUDITED.has(path);
}

export interface AuditContext {
  request: VaultRequest;
  token: TokenEntry | undefined;
  error?: string;
  response?: {
    status: number;
    data?: unknown;
    auth?: { client_token: string; accessor: string } | null;
    leaseId?: string;
    warnings?: string[];
  };
}

function entryFor(
  core: VaultCore,
  device: AuditDeviceEntry,
  type: 'request' | 'response',
  context: AuditContext,
): string {
  const raw = device.options.log_raw === 'true';
  const hashAccessor = device.options.hmac_accessor !== 'false';
  const hash = (value: string | undefined) =>
    value === undefined || value === '' || raw ? (value ?? '') : hmacValue(device.salt, value);
  const hashAccessorValue = (value: string | undefined) =>
    hashAccessor ? hash(value) : (value ?? '');
  const hashData = (value: unknown) => (raw ? value : hashStrings(device.salt, value));
  const { request, token } = context;
  const entry: Record<string, unknown> = {
    time: new Date(core.now()).toISOString(),
    type,
    auth:
      token === undefined
        ? {}
        : {
            client_token: hash(token.id),
            accessor: hashAccessorValue(token.accessor),
            display_name: token.displayName,
            policies: token.policies,
            token_policies: token.policies,
            metadata: token.authMetadata ?? token.meta,
            entity_id: '',
            token_type: 'service',
            token_ttl: token.creationTtl,
            policy_results: {
              allowed: context.error === undefined || context.response !== undefined,
              granting_policies: (request.grantingPolicies ?? []).map((name) => ({
                name,
                type: 'acl',
              })),
            },
          },
    request: {
      id: request.id,
      operation: request.operation,
      mount_point: request.mount?.path ?? '',
      mount_type: request.mount?.type ?? '',
      client_token: hash(request.clientToken),
      client_token_accessor: hashAccessorValue(token?.accessor),
      namespace: { id: 'root' },
      path: request.path,
      data: Object.keys(request.body).length === 0 ? null : hashData(request.body),
      remote_address: request.remoteAddress,
    },
    error: context.error ?? '',
  };
  if (type === 'response' && context.response !== undefined) {
    const response = context.response;
    entry.response = {
      mount_point: request.mount?.path ?? '',
      mount_type: request.mount?.type ?? '',
      ...(response.auth
        ? {
            auth: {
              client_token: hash(response.auth.client_token),
              accessor: hashAccessorValue(response.auth.accessor),
            },
          }
        : {}),
      ...(response.leaseId ? { secret: { lease_id: response.leaseId } } : {}),
      data: response.data === undefined || response.data === null ? null : hashData(response.data),
      warnings: response.warnings ?? [],
    };
  }
  return `${JSON.stringify(entry)}\n`;
}

/**
 * Writes one entry to every enabled device. When devices exist and none could
 * write, the request must fail (vault/audit_broker.go), so this throws 500.
 */
export function recordAudit(
  core: VaultCore,
  type: 'request' | 'response',
  context: AuditContext,
): void {
  const devices = Object.values(core.state.audit);
  if (devices.length === 0 || !isAudited(context.request.path)) return;
  let written = 0;
  for (const device of devices) {
    try {
      const line = entryFor(core, device, type, context);
      const target = device.options.file_path as string;
      if (target === 'discard') {
        written += 1;
        continue;
      }
      if (target === 'stdout') process.stdout.write(line);
      else
        appendFileSync(target, line, { mode: Number.parseInt(device.options.mode ?? '0600', 8) });
      written += 1;
    } catch (error) {
      core.log.error('audit', `backend failed to log ${type}`, {
        backend: device.path,
        error: errorText(error),
      });
    }
  }
  if (written === 0) {
    core.log.error('audit', `no audit backend succeeded in logging the ${type}`, {
      request_id: context.request.id,
    });
    throw internalError('internal error');
  }
}

/** Handles `sys/audit`, `sys/audit/<path>` and `sys/audit-hash/<path>`. */
export function handleAudit(
  core: VaultCore,
  request: VaultRequest,
  rest: string,
  hashPath: boolean,
): HandlerResult | undefined {
  const name = rest.replace(/\/+$/, '');
  if (hashPath) {
    const device = core.state.audit[`${name}/`];
    if (device === undefined) throw badRequest(`unknown audit backend ${name}`);
    const input = stringField(request.body, 'input');
    return { data: { hash: hmacValue(device.salt, input) } };
  }
  if (name === '') {
    if (request.operation !== 'read') throw unsupportedOperation();
    const listing: Record<string, unknown> = {};
    for (const device of Object.values(core.state.audit)) {
      listing[device.path] = {
        type: device.type,
        description: device.description,
        options: device.options,
        local: false,
        path: device.path,
      };
    }
    return { data: listing };
  }
  const path = `${name}/`;
  if (request.operation === 'delete') {
    if (core.state.audit[path] !== undefined) {
      delete core.state.audit[path];
      core.save();
      core.log.info('core', 'disabled audit backend', { path });
    }
    return undefined;
  }
  if (request.operation === 'read') {
    const device = core.state.audit[path];
    if (device === undefined) throw notFound();
    return {
      data: { type: device.type, description: device.description, options: device.options, path },
    };
  }
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();
  return enableDevice(core, request, path);
}

function enableDevice(core: VaultCore, request: VaultRequest, path: string): undefined {
  const type = stringField(request.body, 'type');
  if (type === '') throw badRequest('audit type must be specified');
  if (type !== 'file') throw badRequest(`unknown backend type: "${type}"`);
  if (core.state.audit[path] !== undefined) throw badRequest('path already in use');
  const options = stringMapField(request.body, 'options') ?? {};
  const filePath = options.file_path ?? options.path ?? '';
  if (filePath === '') throw badRequest('file_path is required');

  const normalized: Record<string, string> = {
    ...options,
    file_path: filePath,
    log_raw: String(boolField(options, 'log_raw', false)),
    hmac_accessor: String(boolField(options, 'hmac_accessor', true)),
  };
  if (filePath !== 'stdout' && filePath !== 'discard') {
    try {
      appendFileSync(filePath, '', { mode: 0o600 });
    } catch (error) {
      throw badRequest(
        `sanity check failed; unable to open "${filePath}" for writing: ${errorText(error)}`,
      );
    }
  }

  core.state.audit[path] = {
    path,
    type: 'file',
    description: stringField(request.body, 'description'),
    options: normalized,
    salt: randomUUID(),
  };
  core.save();
  core.log.info('core', 'enabled audit backend', { path, type });
  return undefined;
}
