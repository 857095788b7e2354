/**
 * Shapes shared by the embedded Kubernetes API server: stored objects,
 * resource types, users and the hooks a caller may plug in.
 */
import type { Readable } from 'node:stream';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

/** Any stored object: built-in kinds and custom resources alike. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'impersonate';

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** One REST resource (a plural under a group-version). */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources served for this kind, for example `status`, `scale`, `log`, `token`. */
  subresources: string[];
  /** True when spec changes bump `metadata.generation`. */
  tracksGeneration: boolean;
  /** Set for kinds that exist only to be created and answered (reviews, TokenReview). */
  createOnly?: boolean;
  /** Set for kinds served by a CustomResourceDefinition. */
  custom?: CustomResourceInfo;
}

export interface CustomResourceInfo {
  /** The openAPIV3Schema of this version, or undefined when none is given. */
  schema?: JsonSchema;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
}

/** The subset of OpenAPI v3 schema fields that CRD validation reads. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  [field: string]: unknown;
}

/** An authenticated caller, as TokenReview and SubjectAccessReview show it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What the authorizer is asked: the RBAC attributes of one request. */
export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  /** Resource requests carry the group, resource and namespace. Path requests carry `path`. */
  resourceRequest: boolean;
  group: string;
  version?: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  operation: AdmissionOperation;
  resource: ResourceType;
  subresource: string;
  /** The object after defaults and the change. Undefined on DELETE. */
  object: KubeObject | undefined;
  /** The stored object before the change. Undefined on CREATE. */
  oldObject: KubeObject | undefined;
  user: UserInfo;
}

/**
 * An admission hook: return nothing to admit, or throw a KubeApiError (for
 * example `invalid(...)` or `forbidden(...)`) to reject. It may change
 * `request.object` in place to mutate it.
 */
export type AdmissionHook = (request: AdmissionRequest) => void | Promise<void>;

export interface PodLogOptions {
  follow: boolean;
  tailLines?: number;
  previous?: boolean;
  timestamps?: boolean;
  signal: AbortSignal;
}

/** Supplies a container's log. Returns undefined when the container has no log yet. */
export type PodLogSource = (
  namespace: string,
  pod: string,
  container: string,
  options: PodLogOptions,
) => Promise<Readable | string | undefined> | Readable | string | undefined;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}
