/**
 * Every reason, message and error text the controller shows, word for word
 * as External Secrets Operator prints them. Sources (external-secrets/
 * external-secrets): pkg/controllers/externalsecret/externalsecret_controller.go,
 * pkg/controllers/secretstore/common.go, providers/v1/vault/*.go and
 * apis/externalsecrets/v1/externalsecret_types.go; the Vault error format
 * comes from hashicorp/vault api/response.go.
 */

export const RECORDER = 'external-secrets';

export const LABEL_MANAGED = 'reconcile.external-secrets.io/managed';
export const ANNOTATION_DATA_HASH = 'reconcile.external-secrets.io/data-hash';
export const FINALIZER = 'externalsecrets.external-secrets.io/externalsecret-cleanup';

export const ExternalSecretReason = {
  synced: 'SecretSynced',
  syncedError: 'SecretSyncedError',
  deleted: 'SecretDeleted',
  missing: 'SecretMissing',
} as const;

export const ExternalSecretMessage = {
  synced: 'secret synced',
  syncedRetain: 'secret retained due to DeletionPolicy=Retain',
  deleted: 'secret deleted due to DeletionPolicy=Delete',
  missing: 'secret will not be created due to CreationPolicy=Merge',
  getDataFailed: 'could not get secret data from provider',
  updateFailed: 'could not update secret',
  ownedByOther: 'target is owned by another ExternalSecret',
} as const;

export const EventReason = {
  created: 'Created',
  updated: 'Updated',
  updateFailed: 'UpdateFailed',
  deleted: 'Deleted',
  missingProviderSecret: 'MissingProviderSecret',
  valid: 'Valid',
  invalidProviderConfig: 'InvalidProviderConfig',
} as const;

export const EventMessage = {
  created: 'secret created',
  updated: 'secret updated',
  deleted: 'secret deleted due to DeletionPolicy=Delete',
  storeValid: 'store validated',
} as const;

export const StoreReason = {
  valid: 'Valid',
  invalidProviderConfig: 'InvalidProviderConfig',
} as const;

export const StoreMessage = {
  valid: 'store validated',
  clientFailed: 'unable to create client',
  validationFailed: 'unable to validate store',
} as const;

/** Admission texts of ESO's webhook; the embedded controller reports them as sync errors. */
export const AdmissionMessage = {
  noData: 'either data or dataFrom should be specified',
  deleteWithoutOwner:
    "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
} as const;

export const dataError = (index: number, key: string, cause: string): string =>
  `error processing spec.data[${index}] (key: ${key}), err: ${cause}`;

export const dataFromExtractError = (index: number, cause: string): string =>
  `error processing spec.dataFrom[${index}].extract, err: ${cause}`;

export const dataFromGeneratorError = (index: number, cause: string): string =>
  `error processing spec.dataFrom[${index}].sourceRef.generatorRef, err: ${cause}`;

export const storeNotReady = (kind: string, name: string): string =>
  `${kind} "${name}" is not ready`;

export const storeNotFound = (kind: string, name: string): string =>
  `could not get ${kind} "${name}", ${kind.toLowerCase()}s.external-secrets.io "${name}" not found`;

/** ESO prints `spec.dataFrom` in both texts, also for a `spec.data` entry. */
export const missingProviderSecret = (index: number): string =>
  `secret does not exist at provider using spec.dataFrom[${index}]`;

export const missingProviderSecretKey = (index: number, key: string): string =>
  `secret does not exist at provider using spec.dataFrom[${index}] (key=${key})`;

export const VaultText = {
  noSecret: 'Secret does not exist',
  contextDeadline: 'context deadline exceeded',
  readSecret: (cause: string) => `cannot read secret data from Vault: ${cause}`,
  invalidCredentials: (cause: string) => `invalid vault credentials: ${cause}`,
  loginAuthMethod: (cause: string) => `unable to log in to auth method: ${cause}`,
  loginKubernetes: (cause: string) => `unable to log in with Kubernetes auth: ${cause}`,
  missingProperty: (property: string) =>
    `cannot find secret data for key: ${JSON.stringify(property)}`,
  getKubeSecret: (name: string, namespace: string, cause: string) =>
    `cannot get Kubernetes secret "${name}" from namespace "${namespace}": ${cause}`,
  missingSecretKey: (name: string, key: string) =>
    `cannot find secret data for key: "${key}" in secret "${name}"`,
  serviceAccountToken: (name: string, cause: string) =>
    `cannot request Kubernetes service account token for service account "${name}": ${cause}`,
  noAuth: 'cannot initialize Vault client: no valid auth method specified',
  dataField: 'failed to find data field',
  emptyResponse: 'no data returned from Vault',
} as const;
