/**
 * The scenario registry the CLI hands to the loader: every probe, fault,
 * action and rotation strategy the harness implements. Built here, not in
 * scenario/, so the scenario area imports none of the harness. The areas are
 * imported on first use, because loading the faults and their API clients
 * takes seconds and `lab --help` needs none of it.
 */
import type { ScenarioRegistry } from '../scenario/registry.ts';

let registry: Promise<ScenarioRegistry> | undefined;

/** Returns the registry of every block the harness implements, importing the areas once. */
export function loadRegistry(): Promise<ScenarioRegistry> {
  registry ??= importRegistry();
  return registry;
}

async function importRegistry(): Promise<ScenarioRegistry> {
  const [{ probeSpecs }, { faultSpecs }, { actionSpecs }, { rotationSpecs }] = await Promise.all([
    import('../probes/index.ts'),
    import('../faults/index.ts'),
    import('../run/actions.ts'),
    import('../rotation/index.ts'),
  ]);
  return { probes: probeSpecs, faults: faultSpecs, actions: actionSpecs, rotations: rotationSpecs };
}
