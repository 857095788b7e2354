/**
 * Background load during a scenario: started after the steady state, marked
 * at the fault (`during-fault`) and at remediation (`recovery`), stopped at
 * teardown. The summary goes into the scenario's record.
 */
import { type LoadRun, resolveLoadProfile, runLoad } from '../load/index.ts';
import type { LoadedScenario } from '../scenario/loader.ts';
import type { LoadSummary } from './record.ts';
import type { ScenarioDeps } from './scenario-runner.ts';
import type { ScenarioTimeline } from './timeline.ts';

export interface ScenarioLoad {
  mark(window: string): void;
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
      duration: block.duration,
      timeout: block.timeout,
      maxInFlight: block.maxInFlight,
      thresholds: block.thresholds,
    },
    deps.basecamp.endpoints.serviceUrl,
  );
  const load: LoadRun = await timeline.step('steady-state', `start load ${block.rate}/s for ${block.duration}`, () =>
    runLoad(profile, { engine: block.engine, signal }),
  );
  load.mark('before-fault');
  const marked = new Set<string>(['before-fault']);
  return {
    mark(window) {
      if (marked.has(window)) return;
      marked.add(window);
      load.mark(window);
    },
    async finish() {
      if (signal.aborted) load.stop();
      return load.done();
    },
  };
}
