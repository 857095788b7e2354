/**
 * Every action a scenario may name in `setup.actions` and
 * `remediation.actions`, and `actionSpecs` for the scenario registry.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { duration } from '../scenario/schema.ts';
import { parseDuration } from '../core/duration.ts';
import { formatCount } from '../core/plural.ts';
import { unsealVault } from '../faults/unseal.ts';
import { externalSecretRef, forceSync, forceSyncStore, waitForRollout } from '../faults/support.ts';
import type { BlockSpec } from '../scenario/registry.ts';
import { type Action, defineAction } from './action.ts';

const vaultUnseal = defineAction({
  name: 'vault-unseal',
  description: "unseal Vault with the basecamp's unseal keys",
  schema: z.strictObject({}),
  async run({ clients }) {
    await unsealVault(clients);
    return 'Vault unsealed';
  },
});

const vaultWrite = defineAction({
  name: 'vault-write',
  description: 'write to a Vault path with the admin token, for example database/rotate-role/app',
  schema: z.strictObject({ path: z.string().min(1), data: z.record(z.string(), z.unknown()).default({}) }),
  async run({ clients }, params) {
    await clients.vault.write(params.path, params.data);
    return `wrote Vault ${params.path}`;
  },
});

const vaultRevokeLease = defineAction({
  name: 'vault-revoke-lease',
  description: 'revoke the Vault lease of a named credential (set by a fault), which drops the database user',
  schema: z.strictObject({ credential: z.string().min(1).default('leaked') }),
  async run({ clients, state }, params) {
    const leaseId = state.leases.get(params.credential);
    if (!leaseId) throw new Error(`no lease for credential ${params.credential}; only the dynamic credential-compromised fault sets one`);
    await clients.vault.call('PUT', 'sys/leases/revoke', { lease_id: leaseId });
    return `revoked lease ${leaseId}`;
  },
});

const storeToken = defineAction({
  name: 'vault-token-to-secret',
  description: 'create a new Vault token and write it to the Secret a SecretStore reads (tokenSecretRef)',
  schema: z.strictObject({
    secret: z.string().min(1).default('vault-token'),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    policy: z.string().min(1).default(PLATFORM.vault.policy),
    ttl: duration.default('1h'),
    store: z.string().min(1).default(PLATFORM.stores.kv),
  }),
  async run({ clients, redactor, onRevert }, params) {
    const created = await clients.vault.write('auth/token/create', { policies: [params.policy], ttl: params.ttl, renewable: true });
    const auth = created.auth as { client_token: string; accessor: string };
    redactor.register(auth.client_token);
    onRevert('revoke the replacement Vault token', async () => {
      await clients.vault.write('auth/token/revoke-accessor', { accessor: auth.accessor }).catch(() => {});
    });
    const ref = { apiVersion: 'v1', kind: 'Secret', name: params.secret, namespace: params.namespace };
    await clients.kube.patch(ref, { stringData: { token: auth.client_token } });
    await forceSyncStore(clients.kube, params.store, params.namespace);
    return `wrote a new token (ttl ${params.ttl}) to Secret ${params.namespace}/${params.secret}`;
  },
});

const forceSyncAction = defineAction({
  name: 'force-sync',
  description: 'annotate ExternalSecrets (or every one of a store) so ESO syncs them now',
  schema: z.strictObject({
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    externalSecrets: z.array(z.string().min(1)).default([]),
    store: z.string().min(1).optional(),
  }),
  async run({ clients }, params) {
    if (params.store) await forceSyncStore(clients.kube, params.store, params.namespace);
    await forceSync(clients.kube, params.externalSecrets.map((name) => externalSecretRef(name, params.namespace)));
    const names = [...(params.store ? [`store ${params.store}`] : []), ...params.externalSecrets];
    return `forced a sync of ${names.join(', ') || 'nothing'}`;
  },
});

const rolloutRestart = defineAction({
  name: 'rollout-restart',
  description: 'restart a Deployment as `kubectl rollout restart` does, and wait for the rollout',
  schema: z.strictObject({
    deployment: z.string().min(1).default(PLATFORM.app.deployment),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    timeout: duration.default('60s'),
  }),
  async run({ clients, signal }, params) {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: params.deployment, namespace: params.namespace };
    const annotations = { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() };
    await clients.kube.patch(ref, { spec: { template: { metadata: { annotations } } } });
    await waitForRollout(clients.kube, ref, parseDuration(params.timeout), signal);
    return `restarted Deployment ${params.namespace}/${params.deployment}`;
  },
});

const revertFault = defineAction({
  name: 'revert-fault',
  description: "undo the injected fault now (the fix that restores what was changed), taking its undo steps off teardown",
  schema: z.strictObject({}),
  async run({ revertFault: revert }) {
    const count = await revert();
    return `ran ${formatCount(count, 'undo step')} of the fault`;
  },
});

const wait = defineAction({
  name: 'wait',
  description: 'wait for a duration',
  schema: z.strictObject({ duration }),
  async run({ signal }, params) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, parseDuration(params.duration));
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    return `waited ${params.duration}`;
  },
});

const shell = defineAction({
  name: 'shell',
  description: "run a bash command with the basecamp's environment (KUBECONFIG, VAULT_ADDR, VAULT_TOKEN, PG*); fails on a non-zero exit",
  schema: z.strictObject({ command: z.string().min(1), timeout: duration.default('60s') }),
  async run(context, params) {
    const { code, output } = await runShell(params.command, context, parseDuration(params.timeout));
    const redacted = context.redactor.redact(output.trim()).slice(-500);
    if (code !== 0) throw new Error(`command exited with ${code ?? 'a signal'}: ${params.command}${redacted ? `\n${redacted}` : ''}`);
    return `ran \`${params.command}\``;
  },
});

function runShell(command: string, context: { env: Record<string, string>; scenarioDir: string; signal: AbortSignal }, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd: context.scenarioDir,
      env: { ...process.env, ...context.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: context.signal,
      timeout: timeoutMs,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => (error.name === 'AbortError' ? resolve({ code: null, output }) : reject(error)));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const ALL = [vaultUnseal, vaultWrite, vaultRevokeLease, storeToken, forceSyncAction, rolloutRestart, revertFault, wait, shell] as unknown as Action[];

export const actions: Record<string, Action> = Object.fromEntries(ALL.map((action) => [action.name, action]));

export const actionSpecs: Record<string, BlockSpec> = Object.fromEntries(
  ALL.map((action) => [action.name, { description: action.description, schema: action.schema }]),
);
