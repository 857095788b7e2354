/**
 * The anti-pattern, to show its cost: the service reads its password from
 * environment variables, which the kubelet resolves once at container start.
 * After `rotate-role` the pods keep the old password; once their PostgreSQL
 * sessions are recycled, every new connection fails until a rollout restart
 * replaces the pods. The failure window runs from the session end to the
 * last old pod gone, and grows with the rollout settings.
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { parseDuration } from '../core/duration.ts';
import { CheckFailedError } from '../core/errors.ts';
import { type RotationContext, waitFor } from './context.ts';
import {
  deploymentRef,
  endSessions,
  readCredential,
  restartDeployment,
  rolloutComplete,
  sampleService,
} from './platform-steps.ts';
import { awaitSecret, checkOldRejected } from './propagation.ts';
import { type CleanupRegistrar, commonFields, defineStrategy, durationText } from './strategy.ts';

interface Container {
  name: string;
  env?: Array<Record<string, unknown>>;
}

type Deployment = KubeObject & {
  spec: {
    strategy?: { type?: string; rollingUpdate?: Record<string, unknown> };
    template: { spec: { containers: Container[] } };
  };
};

const schema = z.strictObject({
  ...commonFields,
  role: z.string().min(1).default(PLATFORM.vault.staticRole),
  mount: z.string().min(1).default(PLATFORM.vault.databaseMount),
  /** Time between the rotation and the restart: how long an operator takes to react. */
  restartAfter: durationText.default('2s'),
  /**
   * Rolling update settings for the restart; the defaults (no surge, every
   * pod unavailable at once) are the improper settings whose cost the drill shows.
   */
  maxSurge: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]).default(0),
  maxUnavailable: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]).default('100%'),
  /** End the service's sessions right after the rotation, as a pool recycling its connections would. */
  endSessions: z.boolean().default(true),
});

type Params = z.infer<typeof schema>;

export const envVarRestart = defineStrategy({
  name: 'env-var-restart',
  description:
    'the service reads env vars set from the Secret; a rollout restart is needed after each rotation',
  schema,
  async prepare(context, params, onCleanup) {
    await useEnvMode(context, params, onCleanup);
  },
  async rotate(context, params, timeline) {
    const { clients, redactor } = context;
    const timeoutMs = parseDuration(params.timeout);
    const ref = deploymentRef(params.deployment, params.namespace);
    const credsPath = `${params.mount}/static-creds/${params.role}`;
    const old = await readCredential(clients, redactor, credsPath);

    timeline.start(`rotate-role on static role ${params.role}; the service reads env vars`);
    await clients.vault.write(`${params.mount}/rotate-role/${params.role}`);
    const fresh = await readCredential(clients, redactor, credsPath);
    timeline.record('vault-rotated', `static role ${params.role} rotated`);
    if (params.endSessions) {
      const ended = await endSessions(clients, old.username);
      context.events.log('info', `ended ${ended} PostgreSQL session(s) of user "${old.username}"`);
    }
    await awaitSecret(context, params, timeline, fresh);
    await checkOldRejected(context, timeline, old);

    await new Promise((resolve) => setTimeout(resolve, parseDuration(params.restartAfter)));
    await restartDeployment(clients, ref);
    await waitFor(
      `Deployment ${params.namespace}/${params.deployment} to roll out`,
      async () => ((await rolloutComplete(clients, ref)) ? true : undefined),
      {
        timeoutMs,
        intervalMs: 200,
        signal: context.signal,
      },
    );
    timeline.record(
      'rollout-complete',
      `Deployment ${params.namespace}/${params.deployment} restarted`,
    );
    await waitFor(
      'the service to answer 200 after the restart',
      async () =>
        (await sampleService(clients.endpoints.serviceUrl)).status === 200 ? true : undefined,
      {
        timeoutMs,
        intervalMs: 50,
        signal: context.signal,
      },
    );
    timeline.record('new-credential-served', 'GET /items answered 200 from a restarted pod');
  },
});

/**
 * Switches the Deployment to env mode (CREDENTIALS_MODE=env, DB_USERNAME and
 * DB_PASSWORD from the Secret) and waits for that rollout, which keeps the
 * Deployment's own rolling update settings. Only then does it set the
 * requested settings for the restart under test; a change to
 * `spec.strategy` alone starts no rollout. The undo restores both and waits
 * for the pods to be back in file mode.
 */
async function useEnvMode(
  context: RotationContext,
  params: Params,
  onCleanup: CleanupRegistrar,
): Promise<void> {
  const { kube } = context.clients;
  const ref = deploymentRef(params.deployment, params.namespace);
  const deployment = await kube.read<Deployment>(ref);
  const container = deployment.spec.template.spec.containers[0];
  if (!container)
    throw new CheckFailedError(
      `Deployment ${params.namespace}/${params.deployment} has no container`,
    );
  const originalEnv = container.env;
  const originalStrategy = deployment.spec.strategy;
  const fromSecret = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: params.secret, key } },
  });
  const env = [
    ...(originalEnv ?? []).filter(
      (entry) => !['CREDENTIALS_MODE', 'DB_USERNAME', 'DB_PASSWORD'].includes(String(entry.name)),
    ),
    { name: 'CREDENTIALS_MODE', value: 'env' },
    fromSecret('DB_USERNAME', 'username'),
    fromSecret('DB_PASSWORD', 'password'),
  ];
  const rollout = (mode: string, signal?: AbortSignal) =>
    waitFor(
      `Deployment ${params.namespace}/${params.deployment} to roll out ${mode}`,
      async () => ((await rolloutComplete(context.clients, ref)) ? true : undefined),
      { timeoutMs: parseDuration(params.timeout), intervalMs: 200, ...(signal ? { signal } : {}) },
    );

  onCleanup(
    `restore the environment and rollout settings of Deployment ${params.namespace}/${params.deployment}`,
    async () => {
      const restore = [
        originalEnv
          ? { op: 'replace', path: '/spec/template/spec/containers/0/env', value: originalEnv }
          : { op: 'remove', path: '/spec/template/spec/containers/0/env' },
        originalStrategy
          ? { op: 'replace', path: '/spec/strategy', value: originalStrategy }
          : { op: 'remove', path: '/spec/strategy' },
      ];
      await kube.patch(ref, restore, 'json');
      // The undo runs after an interrupt too, so it waits without the scenario's signal.
      await rollout('back in file mode');
    },
  );
  await kube.patch(
    ref,
    [
      {
        op: originalEnv ? 'replace' : 'add',
        path: '/spec/template/spec/containers/0/env',
        value: env,
      },
    ],
    'json',
  );
  await rollout('in env mode', context.signal);
  const strategy = {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: params.maxSurge, maxUnavailable: params.maxUnavailable },
  };
  await kube.patch(
    ref,
    [{ op: originalStrategy ? 'replace' : 'add', path: '/spec/strategy', value: strategy }],
    'json',
  );
}
