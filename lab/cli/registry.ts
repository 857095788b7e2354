/**
 * The scenario registry the CLI hands to the loader: every probe, fault,
 * action and rotation strategy the harness implements. Built here, not in
 * scenario/, so the scenario area imports none of the harness.
 */
import { faultSpecs } from '../faults/index.ts';
import { probeSpecs } from '../probes/index.ts';
import { rotationSpecs } from '../rotation/index.ts';
import { actionSpecs } from '../run/actions.ts';
import type { ScenarioRegistry } from '../scenario/registry.ts';

/** Returns the registry of every block the harness implements. */
export function buildRegistry(): ScenarioRegistry {
  return {
    probes: probeSpecs,
    faults: faultSpecs,
    actions: actionSpecs,
    rotations: rotationSpecs,
  };
}
