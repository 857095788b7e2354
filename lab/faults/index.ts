import type { FaultSpec } from '../scenario/registry.ts';

// Every fault a scenario may name, for the scenario registry; filled in as the faults are written.
export const faultSpecs: Record<string, FaultSpec> = {};
