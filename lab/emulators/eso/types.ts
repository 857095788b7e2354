/**
 * Types of the ESO-compatible controller: its options, the custom resources
 * it reconciles (external-secrets.io/v1 and generators.external-secrets.io/
 * v1alpha1, trimmed to the fields it reads) and the Ready condition.
 */
import type { OutboundNetwork } from '../network/outbound.ts';

export interface EsoKubeOptions {
  /** The Kubernetes API URL, for example `https://127.0.0.1:6443`. */
  server: string;
  caCertPem: string;
  /** Returns the controller's own service account token (TokenRequest); called before each request. */
  token: () => Promise<string>;
}

export interface EsoBackoffOptions {
  /** First retry delay after a failed reconcile, in milliseconds (ESO: 1000). */
  baseMs: number;
  /** Maximum retry delay, in milliseconds (ESO: 420000, 7 minutes). */
  maxMs: number;
}

export interface EsoOptions {
  kube: EsoKubeOptions;
  /** Source address and name resolution for Vault connections, so NetworkPolicies apply. */
  network?: OutboundNetwork;
  /** Deadline for each Vault request, in milliseconds (ESO: 60000). */
  vaultTimeoutMs?: number;
  backoff?: Partial<EsoBackoffOptions>;
  /** How often a store without `spec.refreshInterval` is validated again, in milliseconds (ESO: 5 minutes). */
  storeRequeueMs?: number;
  /** Reconciles that may run at the same time per kind (ESO's `--concurrent`, default 1). */
  concurrency?: number;
  /** Receives one controller-runtime style JSON line per log entry. */
  log?: (line: string) => void;
  clock?: Clock;
  /** Serves Prometheus text at `/metrics` when set (port 0 picks a free port). */
  metrics?: { host: string; port: number };
}

export interface Clock {
  now(): number;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: 'Ready';
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  ownerReferences?: OwnerReference[];
  creationTimestamp?: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface SecretKeySelector {
  name: string;
  key?: string;
  namespace?: string;
}

export interface VaultKubernetesAuth {
  mountPath?: string;
  role: string;
  serviceAccountRef?: { name: string; namespace?: string; audiences?: string[] };
  secretRef?: SecretKeySelector;
}

export interface VaultProvider {
  server: string;
  path?: string;
  version?: 'v1' | 'v2';
  namespace?: string;
  /** Base64 of PEM certificates. */
  caBundle?: string;
  caProvider?: { type: 'Secret' | 'ConfigMap'; name: string; key?: string; namespace?: string };
  auth?: { tokenSecretRef?: SecretKeySelector; kubernetes?: VaultKubernetesAuth };
}

export type StoreKind = 'SecretStore' | 'ClusterSecretStore';

export interface SecretStore {
  apiVersion?: string;
  kind?: StoreKind;
  metadata: ObjectMeta;
  spec?: {
    controller?: string;
    provider?: { vault?: VaultProvider };
    /** Seconds. */
    refreshInterval?: number;
    conditions?: Array<{
      namespaces?: string[];
      namespaceSelector?: { matchLabels?: Record<string, string> };
    }>;
  };
  status?: { conditions?: Condition[]; capabilities?: string };
}

export interface RemoteRef {
  key: string;
  property?: string;
  version?: string;
}

export interface GeneratorRef {
  apiVersion?: string;
  kind: 'Password' | 'VaultDynamicSecret';
  name: string;
}

export type CreationPolicy = 'Owner' | 'Orphan' | 'Merge' | 'None';
export type DeletionPolicy = 'Retain' | 'Delete' | 'Merge';
export type RefreshPolicy = 'CreatedOnce' | 'Periodic' | 'OnChange';

export interface SecretTemplate {
  type?: string;
  engineVersion?: string;
  mergePolicy?: 'Replace' | 'Merge';
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

export interface ExternalSecret {
  apiVersion?: string;
  kind?: 'ExternalSecret';
  metadata: ObjectMeta;
  spec?: {
    secretStoreRef?: { name?: string; kind?: StoreKind };
    refreshInterval?: string;
    refreshPolicy?: RefreshPolicy;
    target?: {
      name?: string;
      creationPolicy?: CreationPolicy;
      deletionPolicy?: DeletionPolicy;
      template?: SecretTemplate;
    };
    data?: Array<{ secretKey: string; remoteRef: RemoteRef }>;
    dataFrom?: Array<{ extract?: RemoteRef; sourceRef?: { generatorRef?: GeneratorRef } }>;
  };
  status?: {
    refreshTime?: string | null;
    syncedResourceVersion?: string;
    binding?: { name: string };
    conditions?: Condition[];
  };
}

export interface PasswordGenerator {
  metadata: ObjectMeta;
  spec?: {
    length?: number;
    digits?: number;
    symbols?: number;
    symbolCharacters?: string;
    noUpper?: boolean;
    allowRepeat?: boolean;
  };
}

export interface VaultDynamicSecretGenerator {
  metadata: ObjectMeta;
  spec?: {
    method?: string;
    parameters?: unknown;
    resultType?: 'Data' | 'Auth' | 'Raw';
    allowEmptyResponse?: boolean;
    path: string;
    provider: VaultProvider;
  };
}

export interface KubeSecret {
  apiVersion?: 'v1';
  kind?: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  immutable?: boolean;
}

/** Secret data as ESO keeps it in memory: key to raw bytes. */
export type SecretData = Record<string, Buffer>;

export interface EsoController {
  /** Stops the informers, the workers and the metrics server. */
  close(): Promise<void>;
  metricsText(): string;
  /** Runs one reconcile of the object right away, outside the queue; for tests. */
  reconcileNow(kind: 'ExternalSecret' | StoreKind, namespace: string, name: string): Promise<void>;
  /** The metrics server URL, when `metrics` was set. */
  metricsUrl?: string;
}
