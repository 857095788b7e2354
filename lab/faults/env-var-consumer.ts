/**
 * The service reads its database password from environment variables set
 * from the Secret (`secretKeyRef`) instead of the mounted files. Environment
 * variables are resolved once at container start, so after a rotation the
 * pods keep the old password and every new connection fails until a restart.
 * The fault switches the Deployment to env mode, waits for the rollout,
 * rotates the static role, syncs the Secret and ends the service's existing
 * PostgreSQL sessions, as a pool recycling its connections would.
 */
import pg from 'pg';
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineFault, type FaultContext } from './fault.ts';
import { externalSecretRef, forceSync, readTarget, waitForRollout } from './support.ts';

export const BEFORE_ROTATION = 'before-rotation';

interface Container {
  name: string;
  env?: Array<Record<string, unknown>>;
}

export const envVarConsumer = defineFault({
  type: 'env-var-consumer',
  description: 'the service reads its password from an environment variable, so a rotation breaks new connections until a restart',
  variants: [],
  schema: z.strictObject({
    deployment: z.string().min(1).default(PLATFORM.app.deployment),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    secret: z.string().min(1).default(PLATFORM.app.secret),
    staticRole: z.string().min(1).default(PLATFORM.vault.staticRole),
    rolloutTimeoutSeconds: z.number().int().min(5).max(600).default(60),
  }),
  symptoms: {
    '*': [
      'GET /items answers 5xx: password authentication failed for user "app"',
      'the old password is still in the environment of the service processes (ps e)',
    ],
  },
  async inject(context, _variant, params) {
    const { kube } = context.clients;
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: params.deployment, namespace: params.namespace };
    const deployment = await readTarget<KubeObject & { spec: { template: { spec: { containers: Container[] } } } }>(kube, ref);
    const original = deployment.spec.template.spec.containers[0]!.env;

    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: params.secret, key } } });
    const env = [
      ...(original ?? []).filter((entry) => !['CREDENTIALS_MODE', 'DB_USERNAME', 'DB_PASSWORD'].includes(String(entry.name))),
      { name: 'CREDENTIALS_MODE', value: 'env' },
      fromSecret('DB_USERNAME', 'username'),
      fromSecret('DB_PASSWORD', 'password'),
    ];
    const envPath = '/spec/template/spec/containers/0/env';
    await kube.patch(ref, [{ op: original ? 'replace' : 'add', path: envPath, value: env }], 'json');
    context.onRevert(`restore the environment of Deployment ${params.namespace}/${params.deployment}`, async () => {
      const restore = original ? [{ op: 'replace', path: envPath, value: original }] : [{ op: 'remove', path: envPath }];
      await kube.patch(ref, restore, 'json');
    });
    const timeoutMs = params.rolloutTimeoutSeconds * 1000;
    await waitForRollout(kube, ref, timeoutMs, context.signal);

    await rotate(context, params.staticRole);
    await forceSync(kube, [externalSecretRef(PLATFORM.externalSecrets.database, params.namespace)]);
    const ended = await endSessions(context, params.staticRole);
    context.log(`rotated ${params.staticRole} and ended ${ended} PostgreSQL sessions of the service`);
    return { targets: { deployment: `${params.namespace}/${params.deployment}`, staticRole: params.staticRole } };
  },
});

/** Rotates the static role, keeping the password it had as the `before-rotation` credential. */
async function rotate(context: FaultContext, role: string): Promise<void> {
  const { vault } = context.clients;
  const before = await vault.read(`${PLATFORM.vault.databaseMount}/static-creds/${role}`);
  if (before?.password) {
    context.redactor.register(String(before.password));
    context.state.credentials.set(BEFORE_ROTATION, { username: String(before.username), password: String(before.password) });
  }
  await vault.write(`${PLATFORM.vault.databaseMount}/rotate-role/${role}`);
}

/** Ends the PostgreSQL sessions of `user` (as superuser); returns how many ended. */
async function endSessions(context: FaultContext, user: string): Promise<number> {
  const target = context.clients.postgres;
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.superuser,
    password: target.superuserPassword,
  });
  await client.connect();
  try {
    const result = await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [user]);
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}
