import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../lab/run/action.ts';
import { actions } from '../../lab/run/actions.ts';

/** Builds a context for revert-fault, which reads only revertFault: the number of undo steps it ran. */
function contextRunning(undoSteps: number): ActionContext {
  return { revertFault: async () => undoSteps } as unknown as ActionContext;
}

describe('revert-fault action', () => {
  it.each([
    { undoSteps: 0, message: 'ran 0 undo steps of the fault' },
    { undoSteps: 1, message: 'ran 1 undo step of the fault' },
    { undoSteps: 4, message: 'ran 4 undo steps of the fault' },
  ])('reports $undoSteps undo steps', async ({ undoSteps, message }) => {
    expect(await actions['revert-fault']!.run(contextRunning(undoSteps), {})).toBe(message);
  });
});
