/**
 * Two database users used in turn: the ExternalSecret reads the static role
 * that is live, the other one waits. A rotation gives the waiting role a new
 * password, points the ExternalSecret at it, and only after the grace
 * period rotates the previously live role, so the password the pods still
 * hold stays valid until every pod has switched.
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { parseDuration } from '../core/duration.ts';
import { InvalidInputError } from '../core/errors.ts';
import { type RotationContext, waitFor } from './context.ts';
import {
  externalSecretRef,
  forceSync,
  readCredential,
  runAsSuperuser,
  sampleService,
} from './platform-steps.ts';
import { awaitSecret, awaitService, checkOldRejected, secretContains } from './propagation.ts';
import {
  type CleanupRegistrar,
  type CommonParams,
  commonFields,
  defineStrategy,
  durationText,
} from './strategy.ts';

interface RemoteRef {
  key?: string;
  property?: string;
}

type ExternalSecret = KubeObject & {
  spec: { data?: Array<{ secretKey: string; remoteRef: RemoteRef }> };
};

const schema = z.strictObject({
  ...commonFields,
  mount: z.string().min(1).default(PLATFORM.vault.databaseMount),
  /** The two static roles; the first is the platform's own. */
  roles: z
    .tuple([z.string().min(1), z.string().min(1)])
    .default([PLATFORM.vault.staticRole, 'app-b']),
  /** PostgreSQL user of the second role, created as a member of the first role's user so it has the same privileges. */
  secondUser: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('app_b'),
  /** Vault connection the second static role uses. */
  connection: z.string().min(1).default('postgres'),
  /** Policy the ExternalSecret's Vault role uses; the second role's creds path is added to it. */
  policy: z.string().min(1).default(PLATFORM.vault.policy),
  /** How long the previous account stays valid after the switch. */
  grace: durationText.default('5s'),
});

type Params = z.infer<typeof schema>;

export const dualAccount = defineStrategy({
  name: 'dual-account',
  description:
    'two database users used in turn; the previous password stays valid for a grace period after the switch',
  schema,
  async prepare(context, params, onCleanup) {
    await ensureSecondRole(context, params);
    await restoreLiveRoleLater(context, params, onCleanup);
  },
  async rotate(context, params, timeline) {
    const { clients, redactor } = context;
    const ref = externalSecretRef(params.externalSecret, params.namespace);
    const live = liveRole(await clients.kube.read<ExternalSecret>(ref), params);
    const next = live === params.roles[0] ? params.roles[1] : params.roles[0];
    const old = await readCredential(clients, redactor, `${params.mount}/static-creds/${live}`);
    const since = new Date();

    timeline.start(`switch from static role ${live} to ${next}`);
    await clients.vault.write(`${params.mount}/rotate-role/${next}`);
    const fresh = await readCredential(clients, redactor, `${params.mount}/static-creds/${next}`);
    timeline.record(
      'vault-rotated',
      `static role ${next} (user "${fresh.username}") rotated while ${live} stays live`,
    );

    await pointAt(context, params, live, next);
    await awaitSecret(context, params, timeline, fresh);
    await awaitService(
      context,
      params,
      timeline,
      since,
      (sample) => sample.user === fresh.username,
    );

    await new Promise((resolve) => setTimeout(resolve, parseDuration(params.grace)));
    await clients.vault.write(`${params.mount}/rotate-role/${live}`);
    context.events.log(
      'info',
      `grace period over: rotated static role ${live}, the previous account`,
    );
    await checkOldRejected(context, timeline, old);
  },
});

/** Returns the static role the ExternalSecret reads now, from its `static-creds/<role>` keys. */
function liveRole(externalSecret: ExternalSecret, params: Params): string {
  const keys = (externalSecret.spec.data ?? []).map((item) => item.remoteRef.key ?? '');
  for (const role of params.roles) {
    if (keys.some((key) => key.replace(/^\/+/, '') === `static-creds/${role}`)) return role;
  }
  throw new InvalidInputError(
    `ExternalSecret ${params.namespace}/${params.externalSecret} reads ${JSON.stringify(keys)}, not static-creds/${params.roles[0]} or static-creds/${params.roles[1]}`,
    { hint: 'set the dual-account roles to the static roles the ExternalSecret reads' },
  );
}

/**
 * Registers the undo of the switch, which points the ExternalSecret back at
 * the role it read before the scenario. The undo waits until the Secret
 * contains that role's credential and the service responds as its user, so
 * the next scenario starts from the platform as it was.
 */
async function restoreLiveRoleLater(
  context: RotationContext,
  params: Params,
  onCleanup: CleanupRegistrar,
): Promise<void> {
  const ref = externalSecretRef(params.externalSecret, params.namespace);
  const original = liveRole(await context.clients.kube.read<ExternalSecret>(ref), params);
  onCleanup(
    `point ExternalSecret ${params.namespace}/${params.externalSecret} back at static role ${original}`,
    async () => {
      const live = liveRole(await context.clients.kube.read<ExternalSecret>(ref), params);
      if (live === original) return;
      const { clients, redactor } = context;
      const credential = await readCredential(
        clients,
        redactor,
        `${params.mount}/static-creds/${original}`,
      );
      await pointAt(context, params, live, original);
      await forceSync(clients, ref);
      // The undo runs after an interrupt too, so it waits without the scenario's signal.
      const options = { timeoutMs: parseDuration(params.timeout), intervalMs: 200 };
      await waitFor(
        `Secret ${params.namespace}/${params.secret} to contain static role ${original} again`,
        () => secretContains(context, params, credential),
        options,
      );
      await waitFor(
        `the service to answer as user "${credential.username}" again`,
        async () => {
          const sample = await sampleService(clients.endpoints.serviceUrl);
          return sample.status === 200 && sample.user === credential.username ? true : undefined;
        },
        options,
      );
    },
  );
}

/** Rewrites the ExternalSecret's `static-creds/<from>` keys to `static-creds/<to>` and forces a sync. */
async function pointAt(
  context: RotationContext,
  params: CommonParams,
  from: string,
  to: string,
): Promise<void> {
  const ref = externalSecretRef(params.externalSecret, params.namespace);
  const current = await context.clients.kube.read<ExternalSecret>(ref);
  const data = (current.spec.data ?? []).map((item) => ({
    ...item,
    remoteRef: {
      ...item.remoteRef,
      key: (item.remoteRef.key ?? '').replace(`static-creds/${from}`, `static-creds/${to}`),
    },
  }));
  await context.clients.kube.patch(ref, { spec: { data } });
}

/**
 * Creates the second PostgreSQL user and Vault static role when missing, and
 * lets the store's policy read its credentials. Idempotent.
 */
async function ensureSecondRole(context: RotationContext, params: Params): Promise<void> {
  const { clients, redactor } = context;
  const second = params.roles[1];
  await allowRole(context, params, second);
  const existing = await clients.vault.read(`${params.mount}/static-roles/${second}`);
  if (!existing) {
    const first = await readCredential(
      clients,
      redactor,
      `${params.mount}/static-creds/${params.roles[0]}`,
    );
    const user = params.secondUser;
    // PostgreSQL 16 and later let a CREATEROLE user such as Vault's alter only
    // roles it holds with ADMIN OPTION, so Vault's connection user gets that.
    const admin = await connectionUser(context, params);
    await runAsSuperuser(
      clients,
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}') THEN CREATE ROLE "${user}" LOGIN IN ROLE "${first.username}"; END IF; END $$`,
    );
    if (admin) await runAsSuperuser(clients, `GRANT "${user}" TO "${admin}" WITH ADMIN OPTION`);
    await clients.vault.write(`${params.mount}/static-roles/${second}`, {
      db_name: params.connection,
      username: user,
      rotation_period: '24h',
    });
  }
  const policyPath = `sys/policies/acl/${params.policy}`;
  const policy = String((await clients.vault.read(policyPath))?.policy ?? '');
  const rule = `path "${params.mount}/static-creds/${second}" {\n  capabilities = ["read"]\n}\n`;
  if (!policy.includes(`"${params.mount}/static-creds/${second}"`)) {
    await clients.vault.write(policyPath, { policy: `${policy.trimEnd()}\n\n${rule}` });
  }
}

/**
 * Adds `role` to the connection's `allowed_roles` unless they already allow
 * it. Vault keeps the fields an update to `config/<name>` leaves out, the
 * password included, so only the list is sent.
 */
async function allowRole(context: RotationContext, params: Params, role: string): Promise<void> {
  const configPath = `${params.mount}/config/${params.connection}`;
  const config = await context.clients.vault.read(configPath);
  const allowed = Array.isArray(config?.allowed_roles)
    ? (config.allowed_roles as unknown[]).map(String)
    : [];
  if (allowed.includes('*') || allowed.includes(role)) return;
  await context.clients.vault.write(configPath, { allowed_roles: [...allowed, role] });
}

/** Returns the PostgreSQL user of Vault's connection, from `config/<name>`, when Vault reports it. */
async function connectionUser(
  context: RotationContext,
  params: Params,
): Promise<string | undefined> {
  const config = await context.clients.vault.read(`${params.mount}/config/${params.connection}`);
  const username = (config?.connection_details as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(username)
    ? username
    : undefined;
}
