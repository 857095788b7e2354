/**
 * Resource endpoints: collection and item verbs, the subresources (status,
 * scale, log, token, binding, eviction, finalize), Tables and watches.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { type DeleteOptions, PATCH_CONTENT_TYPES, type RequestContext } from './api.ts';
import { type HandlerServices, sendJson } from './handler.ts';
import { PROTOBUF_KINDS } from './protobuf-schema.ts';
import {
  asObject,
  decodeBody,
  mediaType,
  queryFlag,
  queryInteger,
  type RequestInfo,
  readBody,
} from './request.ts';
import { groupVersionOf } from './resources.ts';
import { answerReview, requestToken, tokenRequestResponse } from './reviews.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import {
  badRequest,
  KubeApiError,
  methodNotAllowed,
  notFound,
  unsupportedMediaType,
} from './status.ts';
import { type IncludeObject, toTable } from './tables.ts';
import type { KubeObject, ResourceType } from './types.ts';
import { DEFAULT_WATCH_SECONDS } from './watch.ts';

const BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const PROTOBUF_RESOURCES = new Set([
  'selfsubjectaccessreviews',
  'selfsubjectrulesreviews',
  'subjectaccessreviews',
  'localsubjectaccessreviews',
  'selfsubjectreviews',
  'tokenreviews',
]);

function notFoundPath(): KubeApiError {
  return new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

function wantsTable(request: IncomingMessage): boolean {
  return (request.headers.accept ?? '').includes('as=Table');
}

function includeObject(url: URL): IncludeObject {
  const value = url.searchParams.get('includeObject');
  if (value === 'None' || value === 'Object' || value === 'Metadata') return value;
  return 'Metadata';
}

async function readObject(
  request: IncomingMessage,
  services: HandlerServices,
  kind: string,
  allowProtobuf: boolean,
): Promise<KubeObject> {
  const type = mediaType(request) || 'application/json';
  if (
    !BODY_TYPES.includes(type) ||
    (type === 'application/vnd.kubernetes.protobuf' && !allowProtobuf)
  ) {
    throw unsupportedMediaType(type, ['application/json', 'application/yaml']);
  }
  const body = await readBody(request, services.maxBodyBytes);
  return asObject(decodeBody(body, type, kind), kind);
}

export async function serveResource(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  info: RequestInfo,
  context: RequestContext,
  services: HandlerServices,
): Promise<void> {
  const resource = services.api.registry.get(info.group, info.version, info.resource);
  if (!resource || info.extra.length > 0) throw notFoundPath();
  if (info.subresource && !resource.subresources.includes(info.subresource)) throw notFoundPath();
  if (info.namespace && !resource.namespaced && resource.kind !== 'Namespace') throw notFoundPath();
  const namespace = resource.kind === 'Namespace' ? '' : info.namespace;
  const method = request.method ?? 'GET';

  if (resource.createOnly) {
    if (method !== 'POST') throw methodNotAllowed(method, resource.plural);
    const body = await readObject(
      request,
      services,
      resource.kind,
      PROTOBUF_KINDS.includes(resource.kind),
    );
    const answer = await answerReview(resource, namespace, body, context.user, {
      ...services,
      store: services.api.store,
    });
    sendJson(response, 201, answer);
    return;
  }
  if (info.subresource) {
    await serveSubresource(request, response, url, info, resource, namespace, context, services);
    return;
  }
  if (!info.name) {
    await serveCollection(request, response, url, resource, namespace, context, services);
    return;
  }
  await serveItem(request, response, url, resource, namespace, info.name, context, services);
}

async function serveCollection(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  resource: ResourceType,
  namespace: string,
  context: RequestContext,
  services: HandlerServices,
): Promise<void> {
  const api = services.api;
  switch (request.method) {
    case 'GET':
    case 'HEAD': {
      const labelSelector = parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined);
      const fieldSelector = parseFieldSelector(
        url.searchParams.get('fieldSelector') ?? undefined,
        resource.kind,
      );
      if (queryFlag(url, 'watch')) {
        const table = wantsTable(request);
        services.watches.serve(request, response, {
          resource,
          namespace,
          labelSelector,
          fieldSelector,
          resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
          timeoutSeconds: queryInteger(url, 'timeoutSeconds') ?? DEFAULT_WATCH_SECONDS,
          allowBookmarks: queryFlag(url, 'allowWatchBookmarks'),
          sendInitialEvents: queryFlag(url, 'sendInitialEvents'),
          transform: table
            ? (object) => toTable(resource, [object], { includeObject: includeObject(url) })
            : (object) => object,
        });
        return;
      }
      const items = api.list(resource, namespace, { labelSelector, fieldSelector });
      sendList(request, response, url, resource, items, String(api.store.resourceVersion));
      return;
    }
    case 'POST': {
      const body = await readObject(
        request,
        services,
        resource.kind,
        PROTOBUF_KINDS.includes(resource.kind),
      );
      const created = await api.create(resource, namespace, body, context);
      sendJson(response, 201, created);
      return;
    }
    case 'DELETE': {
      const labelSelector = parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined);
      const fieldSelector = parseFieldSelector(
        url.searchParams.get('fieldSelector') ?? undefined,
        resource.kind,
      );
      const options = await deleteOptions(request, url, services);
      const deleted: KubeObject[] = [];
      for (const object of api.list(resource, namespace, { labelSelector, fieldSelector })) {
        deleted.push(
          await api.delete(
            resource,
            object.metadata.namespace ?? '',
            object.metadata.name ?? '',
            options,
            context,
          ),
        );
      }
      sendJson(response, 200, listObject(resource, deleted, String(api.store.resourceVersion)));
      return;
    }
    default:
      throw methodNotAllowed(request.method ?? '', resource.plural);
  }
}

function listObject(
  resource: ResourceType,
  items: KubeObject[],
  resourceVersion: string,
  continueToken?: string,
  remaining?: number,
): object {
  const metadata: Record<string, unknown> = { resourceVersion };
  if (continueToken) metadata.continue = continueToken;
  if (remaining !== undefined && remaining > 0) metadata.remainingItemCount = remaining;
  return { kind: `${resource.kind}List`, apiVersion: groupVersionOf(resource), metadata, items };
}

/** Pages a list with `limit` and `continue`. The token holds the last key sent. */
function sendList(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  resource: ResourceType,
  all: KubeObject[],
  resourceVersion: string,
): void {
  const limit = queryInteger(url, 'limit');
  const token = url.searchParams.get('continue');
  let items = all;
  if (token) {
    let after: string;
    try {
      after = String(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).after);
    } catch {
      throw badRequest(
        `invalid continue token ${JSON.stringify(token)}: pass the metadata.continue value of the previous page unchanged`,
      );
    }
    items = items.filter(
      (object) => `${object.metadata.namespace ?? ''}/${object.metadata.name}` > after,
    );
  }
  let continueToken: string | undefined;
  let remaining: number | undefined;
  if (limit && limit > 0 && items.length > limit) {
    remaining = items.length - limit;
    items = items.slice(0, limit);
    const last = items.at(-1);
    continueToken = Buffer.from(
      JSON.stringify({ after: `${last?.metadata.namespace ?? ''}/${last?.metadata.name}` }),
    ).toString('base64url');
  }
  if (wantsTable(request)) {
    sendJson(
      response,
      200,
      toTable(resource, items, {
        includeObject: includeObject(url),
        resourceVersion,
        continueToken,
      }),
    );
    return;
  }
  sendJson(response, 200, listObject(resource, items, resourceVersion, continueToken, remaining));
}

async function serveItem(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  resource: ResourceType,
  namespace: string,
  name: string,
  context: RequestContext,
  services: HandlerServices,
): Promise<void> {
  const api = services.api;
  switch (request.method) {
    case 'GET':
    case 'HEAD': {
      const object = api.get(resource, namespace, name);
      if (wantsTable(request))
        sendJson(
          response,
          200,
          toTable(resource, [object], {
            includeObject: includeObject(url),
            resourceVersion: object.metadata.resourceVersion,
          }),
        );
      else sendJson(response, 200, object);
      return;
    }
    case 'PUT': {
      const body = await readObject(
        request,
        services,
        resource.kind,
        PROTOBUF_KINDS.includes(resource.kind),
      );
      sendJson(response, 200, await api.update(resource, namespace, name, body, context));
      return;
    }
    case 'PATCH': {
      const { type, patch } = await readPatch(request, services, resource);
      const existed = api.peek(resource, namespace, name) !== undefined;
      const patched = await api.patch(resource, namespace, name, type, patch, context);
      sendJson(response, existed ? 200 : 201, patched);
      return;
    }
    case 'DELETE': {
      const options = await deleteOptions(request, url, services);
      const deleted = await api.delete(resource, namespace, name, options, context);
      sendJson(response, 200, deleted);
      return;
    }
    default:
      throw methodNotAllowed(request.method ?? '', resource.plural);
  }
}

async function readPatch(
  request: IncomingMessage,
  services: HandlerServices,
  resource: ResourceType,
): Promise<{ type: import('./api.ts').PatchType; patch: unknown }> {
  const contentType = mediaType(request);
  const type = PATCH_CONTENT_TYPES[contentType];
  if (!type) {
    const accepted = resource.custom
      ? [
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/apply-patch+yaml',
        ]
      : [
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/apply-patch+yaml',
          'application/strategic-merge-patch+json',
        ];
    throw unsupportedMediaType(contentType, accepted);
  }
  if (contentType === 'application/apply-patch+cbor')
    throw unsupportedMediaType(contentType, ['application/apply-patch+yaml']);
  const body = await readBody(request, services.maxBodyBytes);
  return { type, patch: decodeBody(body, contentType, resource.kind) };
}

async function deleteOptions(
  request: IncomingMessage,
  url: URL,
  services: HandlerServices,
): Promise<DeleteOptions> {
  const body = await readBody(request, services.maxBodyBytes);
  let options: DeleteOptions = {};
  if (body.length > 0 && body.toString('utf8').trim() !== '') {
    options = asObject(
      decodeBody(body, mediaType(request) || 'application/json', 'DeleteOptions'),
      'DeleteOptions',
    ) as unknown as DeleteOptions;
  }
  const policy = url.searchParams.get('propagationPolicy');
  if (policy) options.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  const grace = queryInteger(url, 'gracePeriodSeconds');
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  const policies = ['Background', 'Foreground', 'Orphan'];
  if (options.propagationPolicy && !policies.includes(options.propagationPolicy)) {
    throw badRequest(
      `propagationPolicy ${JSON.stringify(options.propagationPolicy)} is not supported: use one of ${policies.join(', ')}`,
    );
  }
  return options;
}

async function serveSubresource(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  info: RequestInfo,
  resource: ResourceType,
  namespace: string,
  context: RequestContext,
  services: HandlerServices,
): Promise<void> {
  const api = services.api;
  const method = request.method ?? 'GET';
  const name = info.name;
  switch (info.subresource) {
    case 'status':
      if (method === 'GET') return sendJson(response, 200, api.get(resource, namespace, name));
      if (method === 'PUT') {
        const body = await readObject(request, services, resource.kind, false);
        return sendJson(
          response,
          200,
          await api.update(resource, namespace, name, body, context, 'status'),
        );
      }
      if (method === 'PATCH') {
        const { type, patch } = await readPatch(request, services, resource);
        return sendJson(
          response,
          200,
          await api.patch(resource, namespace, name, type, patch, context, 'status'),
        );
      }
      break;
    case 'scale':
      return serveScale(request, response, resource, namespace, name, context, services);
    case 'log':
      if (method === 'GET') return servePodLog(request, response, url, namespace, name, services);
      break;
    case 'token':
      if (method === 'POST') {
        const body = await readObject(request, services, 'TokenRequest', true);
        const spec = (body.spec ?? {}) as {
          audiences?: string[];
          expirationSeconds?: number;
          boundObjectRef?: object;
        };
        const issued = await requestToken(
          api.store,
          services.tokens,
          resource,
          namespace,
          name,
          spec,
        );
        return sendJson(response, 201, tokenRequestResponse(namespace, name, body, issued));
      }
      break;
    case 'binding':
      if (method === 'POST') {
        const body = await readObject(request, services, 'Binding', false);
        const node = (body.target as { name?: string } | undefined)?.name;
        if (!node) throw badRequest('a Binding needs target.name: the node to bind the pod to');
        await api.patch(resource, namespace, name, 'merge', { spec: { nodeName: node } }, context);
        return sendJson(response, 201, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          code: 201,
        });
      }
      break;
    case 'eviction':
      if (method === 'POST') {
        await api.delete(resource, namespace, name, {}, context);
        return sendJson(response, 201, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          code: 201,
        });
      }
      break;
    case 'finalize':
      if (method === 'PUT') {
        const body = await readObject(request, services, resource.kind, false);
        const finalizers = (body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
        return sendJson(
          response,
          200,
          await api.patch(resource, namespace, name, 'merge', { spec: { finalizers } }, context),
        );
      }
      break;
  }
  throw methodNotAllowed(method, `${resource.plural}/${info.subresource}`);
}

async function serveScale(
  request: IncomingMessage,
  response: ServerResponse,
  resource: ResourceType,
  namespace: string,
  name: string,
  context: RequestContext,
  services: HandlerServices,
): Promise<void> {
  const api = services.api;
  const method = request.method ?? 'GET';
  if (method === 'PUT' || method === 'PATCH') {
    const current = scaleOf(api.get(resource, namespace, name));
    let next: KubeObject;
    if (method === 'PUT') next = await readObject(request, services, 'Scale', false);
    else {
      const { type, patch } = await readPatch(request, services, {
        ...resource,
        custom: undefined,
      });
      const { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } = await import(
        './patch.ts'
      );
      next = (
        type === 'json'
          ? applyJsonPatch(current, patch)
          : type === 'strategic'
            ? applyStrategicMergePatch(current, patch, 'Scale')
            : applyMergePatch(current, patch)
      ) as KubeObject;
    }
    const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
    if (!Number.isInteger(replicas) || (replicas as number) < 0) {
      throw new KubeApiError(
        422,
        'Invalid',
        `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        {
          name,
          group: 'autoscaling',
          kind: 'Scale',
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: 'must be greater than or equal to 0',
              field: 'spec.replicas',
            },
          ],
        },
      );
    }
    const version = next.metadata?.resourceVersion;
    const patch: Record<string, unknown> = { spec: { replicas } };
    if (version) patch.metadata = { resourceVersion: version };
    await api.patch(resource, namespace, name, 'merge', patch, context);
  } else if (method !== 'GET') {
    throw methodNotAllowed(method, `${resource.plural}/scale`);
  }
  sendJson(response, 200, scaleOf(api.get(resource, namespace, name)));
}

function scaleOf(object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
  };
  const status = (object.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

async function servePodLog(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  namespace: string,
  name: string,
  services: HandlerServices,
): Promise<void> {
  const pods = services.api.registry.get('', 'v1', 'pods') as ResourceType;
  const pod = services.api.peek(pods, namespace, name);
  if (!pod) throw notFound(pods, name);
  const containers = (
    (pod.spec as { containers?: Array<{ name: string }> } | undefined)?.containers ?? []
  ).map((container) => container.name);
  let container = url.searchParams.get('container') ?? '';
  if (!container) {
    if (containers.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
      );
    }
    container = containers[0] ?? '';
  }
  if (!containers.includes(container))
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  const abort = new AbortController();
  request.on('close', () => abort.abort());
  const tailLines = queryInteger(url, 'tailLines');
  const source = services.podLogs
    ? await services.podLogs(namespace, name, container, {
        follow: queryFlag(url, 'follow'),
        tailLines,
        previous: queryFlag(url, 'previous'),
        timestamps: queryFlag(url, 'timestamps'),
        signal: abort.signal,
      })
    : undefined;
  if (source === undefined) {
    throw badRequest(
      `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`,
    );
  }
  response.writeHead(200, {
    'Content-Type': 'text/plain',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  const stream = typeof source === 'string' ? Readable.from([source]) : source;
  stream.on('error', () => response.end());
  response.on('close', () => {
    abort.abort();
    stream.destroy();
  });
  stream.pipe(response);
}
