/**
 * The load area's entry point: `runLoad` picks the engine (k6 when it is on
 * PATH or asked for, the built-in engine otherwise) and returns a LoadRun
 * whose windows the caller marks and whose summary goes into the run record.
 */
import { InvalidInputError } from '../core/errors.ts';
import { runBuiltinLoad } from './engine.ts';
import { findK6, runK6Load } from './k6-runner.ts';
import type { LoadEngineName, LoadRun, RunLoadOptions } from './load-run.ts';
import type { LoadProfile } from './profile.ts';

export { parseK6Output } from './k6-output.ts';
export { findK6 } from './k6-runner.ts';
export { k6Script } from './k6-script.ts';
export type { LoadEngineName, LoadRun, RunLoadOptions } from './load-run.ts';
export {
  type LoadProfile,
  type LoadProfileInput,
  loadProfileSchema,
  resolveLoadProfile,
} from './profile.ts';

/** `auto` uses k6 when it is on PATH and the built-in engine otherwise. */
export type LoadEngineChoice = LoadEngineName | 'auto';

export const LOAD_ENGINE_CHOICES: readonly LoadEngineChoice[] = ['auto', 'builtin', 'k6'];

export interface RunLoadWithEngineOptions extends RunLoadOptions {
  engine?: LoadEngineChoice;
}

/** Starts the load; resolves once it is running. Await `done()` on the result for the summary. */
export async function runLoad(
  profile: LoadProfile,
  options: RunLoadWithEngineOptions = {},
): Promise<LoadRun> {
  const { engine = 'auto', ...runOptions } = options;
  if (!LOAD_ENGINE_CHOICES.includes(engine)) {
    throw new InvalidInputError(`invalid load engine "${String(engine)}"`, {
      hint: `use one of ${LOAD_ENGINE_CHOICES.join(', ')}`,
    });
  }
  if (engine === 'builtin') return runBuiltinLoad(profile, runOptions);
  const k6Path = await findK6();
  if (engine === 'k6' || k6Path) return runK6Load(profile, runOptions, k6Path);
  return runBuiltinLoad(profile, runOptions);
}
