/**
 * The shape of a scenario action (setup and remediation steps): a name, a
 * zod schema for its fields and `run`, which acts through the public APIs
 * and returns one line saying what it did.
 */
import type { z } from 'zod';
import type { LabClients } from '../clients/index.ts';
import type { Redactor } from '../core/redact.ts';
import type { ScenarioState } from '../probes/probe.ts';

export interface ActionContext {
  clients: LabClients;
  state: ScenarioState;
  redactor: Redactor;
  /** Environment for shell commands: KUBECONFIG, VAULT_ADDR, VAULT_CACERT, VAULT_TOKEN, PG*. */
  env: Record<string, string>;
  /** Folder of the scenario file: relative paths in actions resolve from here. */
  scenarioDir: string;
  /** Registers an undo step on the scenario's cleanup stack. */
  onRevert(name: string, undo: () => Promise<void>): void;
  /** Runs the injected fault's undo steps now and takes them off the cleanup stack. */
  revertFault(): Promise<number>;
  signal: AbortSignal;
}

export interface Action<P = Record<string, unknown>> {
  name: string;
  description: string;
  schema: z.ZodType<P, unknown>;
  run(context: ActionContext, params: P): Promise<string>;
}

export function defineAction<S extends z.ZodType>(action: {
  name: string;
  description: string;
  schema: S;
  run(context: ActionContext, params: z.infer<S>): Promise<string>;
}): Action<z.infer<S>> {
  return action as Action<z.infer<S>>;
}
