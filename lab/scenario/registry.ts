/**
 * The named building blocks a scenario file may use. The scenario loader
 * validates each block's parameters against the schema registered here; the
 * harness areas (probes, faults, run actions, rotation strategies) fill the
 * registry, so the loader itself imports none of them.
 */
import type { z } from 'zod';

export interface BlockSpec {
  /** One line for `lab list` and the JSON Schema description. */
  description: string;
  /**
   * Schema of the block's own fields (everything beside `probe`, `action`,
   * `type` or `strategy`). Use z.strictObject so unknown keys are errors.
   */
  schema: z.ZodType;
}

export interface FaultSpec extends BlockSpec {
  /** Variant names, when the fault has several (for example `revoked`, `expired`). */
  variants: string[];
}

export interface ScenarioRegistry {
  probes: Record<string, BlockSpec>;
  faults: Record<string, FaultSpec>;
  actions: Record<string, BlockSpec>;
  rotations: Record<string, BlockSpec>;
}

/** A registry with nothing in it: the loader still checks the scenario's own structure. */
export function emptyRegistry(): ScenarioRegistry {
  return { probes: {}, faults: {}, actions: {}, rotations: {} };
}
