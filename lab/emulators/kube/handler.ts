/**
 * The HTTP handler: authentication, impersonation, RBAC, then discovery,
 * OpenAPI or a resource endpoint, with every failure answered as a Status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeApi, RequestContext } from './api.ts';
import { type Authenticator, impersonate } from './authentication.ts';
import {
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiGroupVersion,
  openApiIndex,
  SERVER_VERSION,
} from './discovery.ts';
import { forbidden, type RbacAuthorizer } from './rbac.ts';
import { parseRequestInfo, type RequestInfo } from './request.ts';
import { serveResource } from './resource-handler.ts';
import { internalError, KubeApiError } from './status.ts';
import type { TokenAuthority } from './tokens.ts';
import type { PodLogSource, RequestAttributes, UserInfo } from './types.ts';
import type { WatchHub } from './watch.ts';

export interface HandlerServices {
  api: KubeApi;
  authenticator: Authenticator;
  rbac: RbacAuthorizer;
  tokens: TokenAuthority;
  watches: WatchHub;
  podLogs?: PodLogSource;
  maxBodyBytes: number;
  /** `host:port` as clients reach the server, for `/api`'s serverAddressByClientCIDRs. */
  serverAddress: () => string;
  log: (line: string) => void;
}

export function sendJson(response: ServerResponse, code: number, body: unknown): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  response.end(text);
}

export function sendError(response: ServerResponse, error: KubeApiError): void {
  sendJson(response, error.code, error.toStatus());
}

function notFoundPath(): KubeApiError {
  return new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function createHandler(
  services: HandlerServices,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(request, response, services).catch((error: unknown) => {
      if (error instanceof KubeApiError) {
        sendError(response, error);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      services.log(`kube: ${request.method} ${request.url} failed: ${message}`);
      sendError(response, internalError(message));
    });
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  services: HandlerServices,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'https://kube.invalid');
  const method = request.method ?? 'GET';
  const authenticated = await services.authenticator.authenticateRequest(request);
  const user = impersonate(request, authenticated, services.rbac);
  const info = parseRequestInfo(method, url);
  authorize(info, user, services.rbac);

  if (!info.resourceRequest) {
    if (method !== 'GET' && method !== 'HEAD') throw notFoundPath();
    serveNonResource(url, response, services);
    return;
  }
  const context: RequestContext = {
    user,
    dryRun: url.searchParams.getAll('dryRun').includes('All'),
    fieldValidation: url.searchParams.get('fieldValidation') ?? undefined,
    fieldManager: url.searchParams.get('fieldManager') ?? undefined,
  };
  await serveResource(request, response, url, info, context, services);
}

function authorize(info: RequestInfo, user: UserInfo, rbac: RbacAuthorizer): void {
  const attributes: RequestAttributes = {
    user,
    verb: info.verb,
    resourceRequest: info.resourceRequest,
    group: info.group,
    version: info.version,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
    path: info.path,
  };
  // A list or watch names no object. A watch of one object is a watch with a metadata.name field selector.
  const decision = rbac.authorize(attributes);
  if (!decision.allowed) throw forbidden(attributes, decision.reason);
}

function serveNonResource(url: URL, response: ServerResponse, services: HandlerServices): void {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('ok');
    return;
  }
  const document = nonResourceDocument(path, services);
  if (!document) throw notFoundPath();
  sendJson(response, 200, document);
}

function nonResourceDocument(path: string, services: HandlerServices): object | undefined {
  const registry = services.api.registry;
  const parts = path.split('/').filter(Boolean);
  if (path === '/version') return SERVER_VERSION;
  if (path === '/api') return apiVersions(services.serverAddress());
  if (path === '/apis') return apiGroupList(registry);
  if (path === '/openapi/v3') return openApiIndex(registry);
  if (parts[0] === 'api' && parts.length === 2)
    return apiResourceList(registry, '', parts[1] ?? '');
  if (parts[0] === 'apis' && parts.length === 2) return apiGroupDocument(registry, parts[1] ?? '');
  if (parts[0] === 'apis' && parts.length === 3)
    return apiResourceList(registry, parts[1] ?? '', parts[2] ?? '');
  if (parts[0] === 'openapi' && parts[1] === 'v3' && parts.length >= 4) {
    const rest = parts.slice(2);
    if (rest[0] === 'api') return openApiGroupVersion(registry, '', rest[1] ?? '');
    return openApiGroupVersion(registry, rest[1] ?? '', rest[2] ?? '');
  }
  return undefined;
}
