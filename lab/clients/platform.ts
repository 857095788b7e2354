/**
 * Names of the platform objects, the same on every basecamp (the table
 * "Platform objects" in docs/architecture.md). Faults and probes default to
 * these; a scenario may name other targets.
 */

export const PLATFORM = {
  namespaces: { vault: 'vault', eso: 'external-secrets', app: 'basecamp' },
  eso: { serviceAccount: 'external-secrets', namespace: 'external-secrets' },
  vaultReviewer: { serviceAccount: 'vault', namespace: 'vault', clusterRoleBinding: 'vault-token-reviewer' },
  stores: { kv: 'vault-kv', database: 'vault-database' },
  externalSecrets: { database: 'app-db', config: 'app-config' },
  vault: {
    kvMount: 'secret',
    databaseMount: 'database',
    kubernetesAuthMount: 'kubernetes',
    kubernetesRole: 'basecamp',
    policy: 'basecamp-read',
    staticRole: 'app',
    dynamicRole: 'app-dynamic',
    auditDevice: 'file',
  },
  app: { deployment: 'app', serviceAccount: 'app', secret: 'app-db', selector: 'app.kubernetes.io/name=app' },
} as const;

export const ESO_API_VERSION = 'external-secrets.io/v1';

/** The annotation `kubectl annotate ... force-sync=...` sets to make ESO reconcile now. */
export const FORCE_SYNC_ANNOTATION = 'force-sync';
