/**
 * The shape every fault shares: a type, its variants, a zod schema for its
 * fields in the scenario file, the symptoms it should cause, and `inject`.
 * `inject` registers each undo step through `context.onRevert` right after
 * the change it undoes, so teardown reverts a half-injected fault too. Every
 * undo step is idempotent: it may run after the remediation already fixed
 * the same thing.
 */
import type { z } from 'zod';
import type { LabClients } from '../clients/index.ts';
import type { Redactor } from '../core/redact.ts';
import type { ScenarioState } from '../probes/probe.ts';

export interface FaultContext {
  clients: LabClients;
  state: ScenarioState;
  redactor: Redactor;
  /** Pushes an undo step on the scenario's cleanup stack; teardown runs the stack in reverse order. */
  onRevert(name: string, undo: () => Promise<void>): void;
  log(message: string): void;
  signal: AbortSignal;
}

export interface Injection {
  /** The objects the fault changed, for the run record: `{ secretStore: "basecamp/vault-kv" }`. */
  targets: Record<string, string>;
}

export interface Fault<P = Record<string, unknown>> {
  type: string;
  description: string;
  /** Variant names; empty when the fault has one form. */
  variants: string[];
  schema: z.ZodType<P, unknown>;
  /** What a user sees once the fault takes effect, per variant (`*` for all), quoting the real messages. */
  symptoms: Record<string, string[]>;
  inject(context: FaultContext, variant: string | undefined, params: P): Promise<Injection>;
}

/** Defines a fault with its parameter type inferred from the schema. */
export function defineFault<S extends z.ZodType>(fault: {
  type: string;
  description: string;
  variants: string[];
  schema: S;
  symptoms: Record<string, string[]>;
  inject(context: FaultContext, variant: string | undefined, params: z.infer<S>): Promise<Injection>;
}): Fault<z.infer<S>> {
  return fault as Fault<z.infer<S>>;
}

/** The symptoms a variant should cause. */
export function symptomsOf(fault: Fault<never>, variant: string | undefined): string[] {
  return [...(fault.symptoms['*'] ?? []), ...(variant ? (fault.symptoms[variant] ?? []) : [])];
}
