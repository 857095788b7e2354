import type { BlockSpec } from '../scenario/registry.ts';

// Every rotation strategy a scenario may name, for the scenario registry; filled in as the strategies are written.
export const rotationSpecs: Record<string, BlockSpec> = {};
