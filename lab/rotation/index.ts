/**
 * The rotation area's entry point: the strategies, their parameter schemas
 * for the scenario registry, and `runRotation`, which prepares, marks the
 * load windows, rotates and returns the propagation timeline as a
 * RotationRecord. `judgeRotation` adds the zero-downtime verdict once the
 * load summary is in.
 */
import type { z } from 'zod';
import { InvalidInputError } from '../core/errors.ts';
import type { RotationRecord } from '../run/record.ts';
import type { BlockSpec } from '../scenario/registry.ts';
import { PropagationTimeline, ROTATION_WINDOWS, type RotationContext } from './context.ts';
import { dualAccount } from './dual-account.ts';
import { dynamicCredentials } from './dynamic-credentials.ts';
import { envVarRestart } from './env-var-restart.ts';
import type { CleanupRegistrar, RotationStrategy } from './strategy.ts';
import { vaultRoot } from './vault-root.ts';
import { vaultStaticRole } from './vault-static-role.ts';

export { type MarkableLoad, ROTATION_WINDOWS, type RotationContext } from './context.ts';
export type { CleanupRegistrar, RotationStrategy } from './strategy.ts';
export { judgeRotation } from './verdict.ts';

import { ROTATION_FAILED } from './verdict.ts';

export const strategies: Record<string, RotationStrategy> = Object.fromEntries(
  [vaultStaticRole, dualAccount, dynamicCredentials, envVarRestart, vaultRoot].map((strategy) => [
    strategy.name,
    strategy as RotationStrategy,
  ]),
);

/** The strategies' parameter schemas, for the scenario registry's `rotations`. */
export const rotationSpecs: Record<string, BlockSpec> = Object.fromEntries(
  Object.values(strategies).map((strategy) => [
    strategy.name,
    { description: strategy.description, schema: strategy.schema as z.ZodType },
  ]),
);

export interface RunRotationOptions {
  /**
   * Receives the undo of each change `prepare` made, for the run's teardown
   * queue. Without it the undos run when the rotation ends.
   */
  onCleanup?: CleanupRegistrar;
  /**
   * Runs once the strategy has prepared and before it rotates: the scenario
   * runner starts its load here, so the changes `prepare` makes (a rollout
   * to env mode, a new generator) fall outside the measured windows.
   */
  afterPrepare?: () => Promise<void>;
}

/**
 * Runs one rotation: validates the parameters, prepares, calls
 * `afterPrepare`, marks `during-rotation` on the load, rotates, then marks
 * `after-rotation`. The
 * record's verdict is provisional until `judgeRotation` gets the load summary.
 * A failed step is recorded in the verdict, and the record is still returned.
 */
export async function runRotation(
  strategyName: string,
  params: Record<string, unknown>,
  context: RotationContext,
  options: RunRotationOptions = {},
): Promise<RotationRecord> {
  const strategy = strategies[strategyName];
  if (!strategy) {
    throw new InvalidInputError(`unknown rotation strategy "${strategyName}"`, {
      hint: `use one of ${Object.keys(strategies).join(', ')}`,
    });
  }
  const parsed = strategy.schema.safeParse(params);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `rotation.${issue.path.join('.')}: ${issue.message}`,
    );
    throw new InvalidInputError(
      `invalid parameters for rotation strategy ${strategyName}: ${problems.join('; ')}`,
      {
        hint: 'fix the rotation block of the scenario',
      },
    );
  }

  const undos: Array<{ description: string; undo: () => Promise<void> }> = [];
  const onCleanup: CleanupRegistrar =
    options.onCleanup ?? ((description, undo) => undos.push({ description, undo }));
  const timeline = new PropagationTimeline(context.events, context.scenario, () =>
    context.load?.mark(ROTATION_WINDOWS.during),
  );
  let failure: string | undefined;
  try {
    await strategy.prepare?.(context, parsed.data, onCleanup);
    await options.afterPrepare?.();
    await strategy.rotate(context, parsed.data, timeline);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    context.events.log('error', `rotation ${strategyName} failed: ${failure}`);
  } finally {
    if (timeline.has('rotation-started')) context.load?.mark(ROTATION_WINDOWS.after);
    for (const { description, undo } of undos.reverse()) {
      await undo().catch((error: unknown) =>
        context.events.log('error', `cleanup failed: ${description}`, { error: String(error) }),
      );
    }
  }
  const startedAt = timeline.events[0]?.time ?? new Date().toISOString();
  return {
    strategy: strategyName,
    startedAt,
    endedAt: new Date().toISOString(),
    propagation: timeline.events,
    zeroDowntime: false,
    verdict: failure
      ? `${ROTATION_FAILED}${failure}`
      : 'not judged yet: call judgeRotation with the load summary',
  };
}
