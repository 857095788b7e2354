/**
 * Reading HTTP requests: the RBAC attributes of a path (as
 * apiserver/pkg/endpoints/request/requestinfo.go derives them), bodies with
 * a size limit, and decoding of JSON, YAML and protobuf bodies.
 */
import type { IncomingMessage } from 'node:http';
import { parseAllDocuments } from 'yaml';
import { decodeProtobufObject } from './protobuf.ts';
import { badRequest, KubeApiError, requestTooLarge } from './status.ts';
import type { KubeObject, UserInfo } from './types.ts';

/** kube-apiserver's default --max-request-body-bytes: 3 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface RequestInfo {
  resourceRequest: boolean;
  path: string;
  verb: string;
  /** `api` or `apis` for resource requests. */
  prefix: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** Path segments after the subresource, which no handler here serves. */
  extra: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const parts = path
    .split('/')
    .filter((part) => part.length > 0)
    .map(decodeURIComponent);
  const info: RequestInfo = {
    resourceRequest: false,
    path,
    verb: method.toLowerCase(),
    prefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    name: '',
    subresource: '',
    extra: [],
  };
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  const groupVersionLength = prefix === 'api' ? 2 : 3;
  if (parts.length <= groupVersionLength) return info;
  info.prefix = prefix;
  info.group = prefix === 'api' ? '' : (parts[1] ?? '');
  info.version = parts[groupVersionLength - 1] ?? '';
  let rest = parts.slice(groupVersionLength);
  if (rest[0] === 'namespaces' && rest.length > 1) {
    info.namespace = rest[1] ?? '';
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  info.resourceRequest = true;
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest[2] ?? '';
  info.extra = rest.slice(3);
  info.verb = resourceVerb(method, info.name, url);
  return info;
}

function resourceVerb(method: string, name: string, url: URL): string {
  const watch = url.searchParams.get('watch');
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch === 'true' || watch === '1') return 'watch';
      return name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** Reads the body, answering 413 past `limit` bytes. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) {
    request.resume();
    throw requestTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      request.resume();
      throw requestTooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes a JSON, YAML or (for review kinds) protobuf body. `expectedKind` names the type in error messages. */
export function decodeBody(body: Buffer, type: string, expectedKind: string): unknown {
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(body);
  const text = body.toString('utf8');
  if (text.trim() === '')
    throw badRequest(`the body of the request is empty: send a ${expectedKind} as JSON`);
  if (
    type === 'application/yaml' ||
    type === 'application/apply-patch+yaml' ||
    type === 'application/x-yaml'
  ) {
    return parseYaml(text, expectedKind);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw badRequest(
      `the object provided is unrecognized (must be of type ${expectedKind}): couldn't get version/kind; json parse error: ${detail}`,
    );
  }
}

function parseYaml(text: string, expectedKind: string): unknown {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const first = list[0];
  if (!first) throw badRequest(`the body of the request is empty: send a ${expectedKind} as YAML`);
  if (first.errors.length > 0) {
    throw badRequest(
      `the object provided is unrecognized (must be of type ${expectedKind}): yaml parse error: ${first.errors[0]?.message}`,
    );
  }
  if (list.length > 1)
    throw badRequest('the YAML body holds more than one document: send one object per request');
  return first.toJSON();
}

/** Reads a boolean-ish query parameter. */
export function queryFlag(url: URL, name: string): boolean {
  const value = url.searchParams.get(name);
  return value === 'true' || value === '1';
}

/** Reads a non-negative integer query parameter, 400 when it is not one. */
export function queryInteger(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value))
    throw badRequest(
      `invalid value for query parameter ${name}: ${JSON.stringify(value)} is not a non-negative integer`,
    );
  return Number(value);
}

export function asObject(value: unknown, kind: string): KubeObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KubeApiError(
      400,
      'BadRequest',
      `the object provided is unrecognized (must be of type ${kind}): expected a JSON object`,
    );
  }
  return value as KubeObject;
}

export function describeUser(user: UserInfo): string {
  return user.username;
}
