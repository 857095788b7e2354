/**
 * Every probe a scenario may name, and `probeSpecs` for the scenario
 * registry (the loader validates a probe's parameters with its schema).
 */
import type { BlockSpec } from '../scenario/registry.ts';
import { auditLog } from './audit-log.ts';
import { eventProbe } from './event.ts';
import { externalSecretReady } from './externalsecret-ready.ts';
import { httpProbe } from './http.ts';
import { podRestarts } from './pod-restarts.ts';
import { postgresLogin } from './postgres-login.ts';
import type { Probe } from './probe.ts';
import { processEnv } from './process-env.ts';
import { secretMatchesVault } from './secret-matches-vault.ts';
import { secretStoreReady } from './secretstore-ready.ts';
import { secretUnchanged } from './secret-unchanged.ts';
import { vaultHealth } from './vault-health.ts';
import { vaultRequest } from './vault-request.ts';

export type { Probe, ProbeCall, ProbeContext, ProbeResult, ScenarioState } from './probe.ts';
export { newScenarioState } from './probe.ts';

const ALL: Probe<never>[] = [
  externalSecretReady,
  secretStoreReady,
  eventProbe,
  secretMatchesVault,
  secretUnchanged,
  httpProbe,
  postgresLogin,
  vaultHealth,
  vaultRequest,
  auditLog,
  podRestarts,
  processEnv,
] as Probe<never>[];

export const probes: Record<string, Probe<Record<string, unknown>>> = Object.fromEntries(
  ALL.map((probe) => [probe.name, probe as unknown as Probe<Record<string, unknown>>]),
);

export const probeSpecs: Record<string, BlockSpec> = Object.fromEntries(
  ALL.map((probe) => [probe.name, { description: probe.description, schema: probe.schema }]),
);
