/**
 * Background load during a scenario: started after the steady state (for a
 * rotation, once the strategy has prepared), marked at the fault
 * (`during-fault`) and at remediation (`recovery`), stopped `after` the last
 * phase or at the end of its duration. The summary goes into the scenario's record.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { parseDuration } from '../core/duration.ts';
import { type LoadRun, resolveLoadProfile, runLoad } from '../load/index.ts';
import type { LoadedScenario } from '../scenario/loader.ts';
import type { LoadSummary } from './record.ts';
import type { ScenarioDeps } from './scenario-runner.ts';
import type { ScenarioTimeline } from './timeline.ts';

export interface ScenarioLoad {
  mark(window: string): void;
  /** Waits `load.before` with the load running, so the window before the fault or rotation has samples. */
  warmUp(): Promise<void>;
  /**
   * Lets the load go on for `load.after` once the last phase has ended, then
   * stops it. Without `after` the load runs its whole duration.
   */
  windDown(): Promise<void>;
  /**
   * Returns the summary once the load has run its scenario duration and every
   * request has settled; stops it at once when the scenario was aborted.
   */
  finish(): Promise<LoadSummary>;
}

export async function startScenarioLoad(
  loaded: LoadedScenario,
  deps: ScenarioDeps,
  timeline: ScenarioTimeline,
  signal: AbortSignal,
): Promise<ScenarioLoad> {
  const block = loaded.scenario.load!;
  const profile = resolveLoadProfile(
    {
      path: block.path,
      method: block.method,
      rate: block.rate,
      ...(block.duration === undefined ? {} : { duration: block.duration }),
      ...(block.stages ? { stages: block.stages } : {}),
      timeout: block.timeout,
      maxInFlight: block.maxInFlight,
      thresholds: block.thresholds,
    },
    deps.basecamp.endpoints.serviceUrl,
  );
  const length = block.duration === undefined ? `${block.stages?.length ?? 0} stages` : `at most ${block.duration}`;
  const bounds = [
    parseDuration(block.before) > 0 ? `${block.before} before` : undefined,
    block.after === undefined ? undefined : `${block.after} after`,
    length,
  ].filter(Boolean);
  const rotation = Boolean(loaded.scenario.rotation);
  const load: LoadRun = await timeline.step(rotation ? 'rotation' : 'steady-state', `start load ${block.rate}/s (${bounds.join(', ')})`, () =>
    runLoad(profile, { engine: deps.loadEngine ?? block.engine, signal }),
  );
  const first = rotation ? 'before-rotation' : 'before-fault';
  load.mark(first);
  const marked = new Set<string>([first]);
  return {
    mark(window) {
      if (marked.has(window)) return;
      marked.add(window);
      load.mark(window);
    },
    async warmUp() {
      await sleep(parseDuration(block.before), signal);
    },
    async windDown() {
      if (block.after === undefined) return;
      const remainingMs = profile.durationMs - load.elapsedMs();
      const afterMs = parseDuration(block.after);
      if (remainingMs <= afterMs) return;
      await timeline.step(rotation ? 'rotation' : 'recovery', `keep the load for ${block.after}, then stop it`, async () => {
        await sleep(afterMs, signal);
        load.stop();
      });
    },
    async finish() {
      if (signal.aborted) load.stop();
      return load.done();
    },
  };
}

/** Waits `ms`; an abort ends the wait early without throwing, as the phases check the signal themselves. */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await sleepTimer(ms, undefined, { signal }).catch(() => {});
}
