/**
 * The Status errors of the Kubernetes API, with the reasons, codes and
 * message formats of k8s.io/apimachinery/pkg/api/errors/errors.go.
 */
import type { ResourceType } from './types.ts';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Forbidden'
  | 'Invalid'
  | 'Unauthorized'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'Expired'
  | 'Gone'
  | 'InternalError'
  | 'Timeout';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** An API error that the server sends as a Status with the same HTTP code. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** `secrets` for the core group, `deployments.apps` for the others, as in messages. */
export function qualifiedResource(resource: Pick<ResourceType, 'plural' | 'group'>): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

/** `Secret` for the core group, `Deployment.apps` for the others, as in Invalid messages. */
export function qualifiedKind(resource: Pick<ResourceType, 'kind' | 'group'>): string {
  return resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
}

export function notFound(
  resource: Pick<ResourceType, 'plural' | 'group'>,
  name: string,
): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${qualifiedResource(resource)} "${name}" not found`, {
    name,
    group: resource.group,
    kind: resource.plural,
  });
}

export function alreadyExists(
  resource: Pick<ResourceType, 'plural' | 'group'>,
  name: string,
): KubeApiError {
  return new KubeApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(resource)} "${name}" already exists`,
    {
      name,
      group: resource.group,
      kind: resource.plural,
    },
  );
}

export function conflict(
  resource: Pick<ResourceType, 'plural' | 'group'>,
  name: string,
  why?: string,
): KubeApiError {
  const reason =
    why ??
    'the object has been modified; please apply your changes to the latest version and try again';
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${reason}`,
    { name, group: resource.group, kind: resource.plural },
  );
}

/** A field error as field.Error prints it: `<field>: <type>: <detail>`. */
export interface FieldError {
  field: string;
  /** The cause reason: FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueForbidden, FieldValueDuplicate, FieldValueTooLong. */
  type: string;
  message: string;
}

export function invalid(
  resource: Pick<ResourceType, 'kind' | 'group'>,
  name: string,
  errors: FieldError[],
): KubeApiError {
  const messages = errors.map((error) => `${error.field}: ${error.message}`);
  const summary = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  return new KubeApiError(
    422,
    'Invalid',
    `${qualifiedKind(resource)} "${name}" is invalid: ${summary}`,
    {
      name,
      group: resource.group,
      kind: resource.kind,
      causes: errors.map((error) => ({
        reason: error.type,
        message: error.message,
        field: error.field,
      })),
    },
  );
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

export function unauthorized(): KubeApiError {
  return new KubeApiError(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(method: string, what: string): KubeApiError {
  return new KubeApiError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource`,
    {
      kind: what,
      causes: [{ reason: 'MethodNotAllowed', message: `${method} is not supported` }],
    },
  );
}

export function unsupportedMediaType(contentType: string, accepted: string[]): KubeApiError {
  return new KubeApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    {
      causes: [
        {
          reason: 'UnsupportedMediaType',
          message: `received Content-Type ${contentType || '(none)'}`,
        },
      ],
    },
  );
}

export function requestTooLarge(limit: number): KubeApiError {
  return new KubeApiError(
    413,
    'RequestEntityTooLarge',
    `Request entity too large: limit is ${limit}`,
  );
}

export function expired(message: string): KubeApiError {
  return new KubeApiError(410, 'Expired', message);
}

export function internalError(message: string): KubeApiError {
  return new KubeApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

/** Builds a Success Status, as returned by some deletes. */
export function successStatus(details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200, details };
}
