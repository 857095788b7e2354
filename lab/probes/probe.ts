/**
 * The shape every probe shares: a name, a zod schema for its parameters and
 * one `check` that looks at the basecamp through the public APIs and returns
 * whether the expectation holds, with what it saw.
 */
import type { z } from 'zod';
import type { LabClients } from '../clients/index.ts';
import type { Credential } from '../clients/postgres.ts';
import type { Redactor } from '../core/redact.ts';

export interface ProbeResult {
  ok: boolean;
  /** What the probe saw, for the timeline: a condition message, an event, a status code. Never a secret. */
  message: string;
  /** A measured number, when the probe measures one (latency in ms, a restart count). */
  value?: number;
}

/** State shared by the blocks of one scenario. */
export interface ScenarioState {
  /** Named credentials, for example `leaked` set by the credential-compromised fault. */
  credentials: Map<string, Credential>;
  /** Vault lease ids by credential name, for credentials that came with a lease. */
  leases: Map<string, string>;
  /** Per-probe memory, for probes that compare with what they saw first (pod uids). */
  memo: Map<string, unknown>;
  /** When the fault was injected, for probes that look only at what happened since. */
  faultInjectedAt?: Date;
  scenarioStartedAt: Date;
}

export interface ProbeContext {
  clients: LabClients;
  state: ScenarioState;
  redactor: Redactor;
}

export interface Probe<P = Record<string, unknown>> {
  name: string;
  description: string;
  schema: z.ZodType<P, unknown>;
  check(context: ProbeContext, params: P): Promise<ProbeResult>;
}

/** A probe with its parameters, as written in a scenario or returned by a fault's symptoms. */
export interface ProbeCall {
  probe: string;
  params: Record<string, unknown>;
}

export function newScenarioState(): ScenarioState {
  return { credentials: new Map(), leases: new Map(), memo: new Map(), scenarioStartedAt: new Date() };
}

/** Defines a probe with its parameter type inferred from the schema. */
export function defineProbe<S extends z.ZodType>(probe: {
  name: string;
  description: string;
  schema: S;
  check(context: ProbeContext, params: z.infer<S>): Promise<ProbeResult>;
}): Probe<z.infer<S>> {
  return probe as Probe<z.infer<S>>;
}
