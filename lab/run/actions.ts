import type { BlockSpec } from '../scenario/registry.ts';

// Every action a scenario may name (setup and remediation), for the scenario registry; filled in with the runner.
export const actionSpecs: Record<string, BlockSpec> = {};
