/**
 * Runs one scenario on a basecamp: setup, steady state, fault, symptoms
 * (polled until `within`), remediation, recovery, rotation, and teardown in
 * reverse order, always. The fault's undo steps go on the scenario's own
 * cleanup stack the moment they exist. That stack is itself registered on the
 * run's stack, so a SIGINT that ends the run still reverts the fault.
 */
import path from 'node:path';
import type { LabClients } from '../clients/index.ts';
import type { Basecamp } from '../basecamp/types.ts';
import { parseDuration } from '../core/duration.ts';
import type { EventBus } from '../core/events.ts';
import type { LoadEngineChoice } from '../load/index.ts';
import type { Redactor } from '../core/redact.ts';
import { faults } from '../faults/index.ts';
import { defaultGradeConfig, type GradeConfig, gradeScenario, type PhaseOutcomes } from '../grading/index.ts';
import { newScenarioState, probes, type ScenarioState } from '../probes/index.ts';
import { judgeRotation, type RotationContext, runRotation } from '../rotation/index.ts';
import { ROTATION_FAILED } from '../rotation/verdict.ts';
import type { LoadedScenario } from '../scenario/loader.ts';
import type { ActionContext } from './action.ts';
import { CleanupStack } from './cleanup.ts';
import { applyManifests } from './manifests.ts';
import { type PollResult, pollProbes, type ProbeWindow } from './poll.ts';
import type { Phase, ScenarioRecord } from './record.ts';
import { runAction, runRemediation } from './remediation.ts';
import type { RunRecordStore } from './run-folder.ts';
import { startScenarioLoad, type ScenarioLoad } from './scenario-load.ts';
import { type RunbookUnderTest, runRunbookStage } from './runbook-stage.ts';
import { ScenarioTimeline } from './timeline.ts';

export interface ScenarioDeps {
  root: string;
  basecamp: Basecamp;
  clients: LabClients;
  events: EventBus;
  redactor: Redactor;
  /** The run's cleanup stack: the scenario's teardown is registered on it while the scenario runs. */
  runCleanup: CleanupStack;
  store?: RunRecordStore;
  /** Aborted on SIGINT or SIGTERM. */
  signal: AbortSignal;
  /**
   * A runbook section in charge of the scenario (`lab verify-runbooks`): its
   * diagnose steps run after the symptoms, its fix steps replace the
   * remediation, its verify steps run after recovery.
   */
  runbook?: RunbookUnderTest;
  /** Load engine in place of each scenario's `load.engine` (`lab run --load-engine`). */
  loadEngine?: LoadEngineChoice;
}

/** Everything one scenario run shares between its phases. */
interface Run {
  loaded: LoadedScenario;
  deps: ScenarioDeps;
  record: ScenarioRecord;
  timeline: ScenarioTimeline;
  state: ScenarioState;
  cleanup: CleanupStack;
  /** Undo steps of the fault, newest last, so `revert-fault` can run and remove them. */
  faultUndos: Array<{ name: string; undo: () => Promise<void>; remove: () => void }>;
  outcomes: PhaseOutcomes;
  signal: AbortSignal;
  env: Record<string, string>;
  load?: ScenarioLoad;
}

/** Runs one scenario and returns its graded record (also pushed into the run record as it goes). */
export async function runScenario(loaded: LoadedScenario, deps: ScenarioDeps): Promise<ScenarioRecord> {
  const run = await openScenario(loaded, deps);
  const removeFromRun = deps.runCleanup.push(`teardown of scenario ${loaded.scenario.name}`, async () => {
    await run.cleanup.runAll({ events: deps.events, scenario: loaded.scenario.name });
  });

  try {
    await runPhases(run);
  } catch (error) {
    recordError(run, error);
  } finally {
    await teardown(run);
    removeFromRun();
  }
  grade(run);
  await deps.store?.write().catch(() => {});
  return run.record;
}

async function openScenario(loaded: LoadedScenario, deps: ScenarioDeps): Promise<Run> {
  const { scenario } = loaded;
  const record: ScenarioRecord = {
    name: scenario.name,
    title: scenario.title,
    file: loaded.displayPath,
    runbook: loaded.runbook,
    adrs: loaded.adrs,
    seed: loaded.seed,
    status: 'running',
    startedAt: new Date().toISOString(),
    timeline: [],
    observations: [],
    checks: [],
    score: { earned: 0, possible: 0, percent: 0 },
  };
  await deps.store?.update((runRecord) => {
    runRecord.scenarios.push(record);
  });
  const timeLimit = AbortSignal.timeout(parseDuration(scenario.timeLimit));
  return {
    loaded,
    deps,
    record,
    timeline: new ScenarioTimeline(record, deps.events, deps.store),
    state: newScenarioState(),
    cleanup: new CleanupStack(),
    faultUndos: [],
    outcomes: { faultInjected: false, cleanups: [] },
    signal: AbortSignal.any([deps.signal, timeLimit]),
    env: await deps.basecamp.env(),
  };
}

async function runPhases(run: Run): Promise<void> {
  const { scenario } = run.loaded;
  await setup(run);
  if (scenario.steadyState) {
    const steady = await poll(run, scenario.steadyState, 'steady-state');
    const message = steady.passed ? 'every steady-state probe passed' : `steady state not reached: ${failures(steady)}`;
    run.outcomes.steadyState = { passed: steady.passed, message };
    if (!steady.passed) throw new Error(message);
  }
  // A rotation starts the load itself, once its strategy has prepared the platform.
  if (scenario.load && !scenario.rotation) {
    run.load = await startScenarioLoad(run.loaded, run.deps, run.timeline, run.signal);
    await run.load.warmUp();
  }
  const runbook = run.deps.runbook;
  if (scenario.fault) {
    await injectFault(run);
    await detect(run);
    if (runbook) run.outcomes.runbookDiagnosis = await runbookStage(run, runbook, 'diagnose', 'symptoms');
  }
  if (scenario.remediation || (runbook && scenario.fault)) await remediate(run);
  if (scenario.rotation) await rotate(run);
  await run.load?.windDown();
  // A runbook for a scenario without a fault (a rotation) is followed after the rotation.
  if (runbook && !scenario.fault) {
    run.outcomes.runbookDiagnosis = await runbookStage(run, runbook, 'diagnose', 'rotation');
    run.outcomes.remediation = await runbookStage(run, runbook, 'fix', 'remediation');
    run.outcomes.runbookVerification = await runbookStage(run, runbook, 'verify', 'recovery');
  }
}

function runbookStage(run: Run, runbook: RunbookUnderTest, kind: 'diagnose' | 'fix' | 'verify', phase: Phase) {
  const context = { root: run.deps.root, env: run.env, redactor: run.deps.redactor, signal: run.signal };
  return runRunbookStage(runbook, kind, phase, context, run.timeline);
}

async function setup(run: Run): Promise<void> {
  const { scenario } = run.loaded;
  if (run.loaded.manifests.length > 0) {
    await run.timeline.step('setup', 'apply manifests', () =>
      applyManifests(run.deps.clients.kube, run.loaded.manifests, (name, undo) => run.cleanup.push(name, undo)),
    );
  }
  for (const [index, entry] of scenario.setup.actions.entries()) {
    await run.timeline.step('setup', `setup.actions[${index}] ${entry.action}`, () => runAction(entry, actionContext(run)));
  }
}

async function injectFault(run: Run): Promise<void> {
  const block = run.loaded.scenario.fault!;
  const { type, variant, ...fields } = block;
  const fault = faults[type];
  if (!fault) throw new Error(`unknown fault ${type}`);
  const params = fault.schema.parse(fields);
  run.record.fault = { type, ...(variant ? { variant } : {}), targets: {}, params };
  run.load?.mark('during-fault');

  const label = variant ? `${type} (${variant})` : type;
  await run.timeline.step('fault', `inject ${label}`, async () => {
    run.state.faultInjectedAt = new Date();
    run.record.fault!.injectedAt = run.state.faultInjectedAt.toISOString();
    run.outcomes.faultInjected = true;
    const injection = await fault.inject(faultContext(run), variant, params);
    run.record.fault!.targets = injection.targets;
  });
}

async function detect(run: Run): Promise<void> {
  const window = run.loaded.scenario.symptoms;
  if (!window) return;
  run.outcomes.symptomsWithin = window.within;
  const result = await poll(run, window, 'symptoms');
  if (!result.passed || !result.passedAt) return;
  const injectedAt = run.state.faultInjectedAt ?? new Date();
  const message = result.results.map(({ result: seen }) => seen.message).join(' | ');
  run.record.detection = {
    at: result.passedAt.toISOString(),
    afterMs: result.passedAt.getTime() - injectedAt.getTime(),
    probe: result.results.map(({ probe }) => probe).join(', '),
    message,
  };
  run.timeline.mark('symptoms', 'detected', message);
}

async function remediate(run: Run): Promise<void> {
  const { scenario } = run.loaded;
  const started = new Date();
  run.load?.mark('recovery');
  const runbook = run.deps.runbook;
  run.outcomes.remediation = runbook
    ? await runbookStage(run, runbook, 'fix', 'remediation')
    : await runRemediation(scenario.remediation!, run.deps.root, actionContext(run), run.timeline);
  if (scenario.recovery) await recover(run, scenario.recovery, started);
  if (runbook) run.outcomes.runbookVerification = await runbookStage(run, runbook, 'verify', 'recovery');
}

async function recover(run: Run, window: ProbeWindow, started: Date): Promise<void> {
  run.outcomes.recoveryWithin = window.within;
  const result = await poll(run, window, 'recovery');
  if (!result.passed || !result.passedAt) return;
  run.record.recovery = { at: result.passedAt.toISOString(), afterMs: result.passedAt.getTime() - started.getTime() };
  run.timeline.mark('recovery', 'recovered', `every recovery probe passed after ${run.record.recovery.afterMs}ms`);
}

async function rotate(run: Run): Promise<void> {
  const { strategy, ...params } = run.loaded.scenario.rotation!;
  const context: RotationContext = {
    clients: run.deps.clients,
    redactor: run.deps.redactor,
    events: run.deps.events,
    signal: run.signal,
    scenario: run.record.name,
    ...(run.load ? { load: run.load } : {}),
  };
  const startLoad = async () => {
    if (!run.loaded.scenario.load) return;
    run.load ??= await startScenarioLoad(run.loaded, run.deps, run.timeline, run.signal);
    context.load = run.load;
    await run.load.warmUp();
  };
  run.record.rotation = await run.timeline.step('rotation', `rotate with ${strategy}`, () =>
    runRotation(strategy, params, context, {
      onCleanup: (name, undo) => run.cleanup.push(name, undo),
      afterPrepare: startLoad,
    }),
  );
  const { verdict, propagation } = run.record.rotation;
  // The verdict is judged once the load has ended; until then the mark lists the propagation delays.
  const delays = propagation
    .filter((event) => event.name !== 'rotation-started')
    .map((event) => `${event.name} ${event.afterMs}ms`)
    .join(', ');
  run.timeline.mark('rotation', 'rotated', verdict.startsWith(ROTATION_FAILED) ? verdict : `every step ran: ${delays}`);
}

async function poll(run: Run, window: ProbeWindow, phase: 'steady-state' | 'symptoms' | 'recovery'): Promise<PollResult> {
  const context = { clients: run.deps.clients, state: run.state, redactor: run.deps.redactor };
  let result: PollResult | undefined;
  try {
    await run.timeline.step(phase, `${phase} probes (within ${window.within})`, async () => {
      result = await pollProbes(window, phase, probes, context, run.timeline, run.signal);
      // A window that is not reached ends its step as failed, so the reporter shows FAIL, and the phase goes on.
      if (!result.passed) throw Object.assign(new Error(failures(result)), { stepStatus: 'failed' });
    });
  } catch (error) {
    if (!result || result.passed) throw error;
    if (phase !== 'steady-state') run.timeline.mark(phase, 'not reached', failures(result));
  }
  return result!;
}

function failures(result: { results: Array<{ probe: string; result: { ok: boolean; message: string } }> }): string {
  return result.results
    .filter(({ result: seen }) => !seen.ok)
    .map(({ probe, result: seen }) => `${probe}: ${seen.message}`)
    .join('; ');
}

function faultContext(run: Run) {
  return {
    clients: run.deps.clients,
    state: run.state,
    redactor: run.deps.redactor,
    signal: run.signal,
    log: (message: string) => run.deps.events.log('info', message, { scenario: run.record.name }),
    onRevert: (name: string, undo: () => Promise<void>) => {
      const entry = { name, undo, remove: () => {} };
      entry.remove = run.cleanup.push(name, undo);
      run.faultUndos.push(entry);
    },
  };
}

function actionContext(run: Run): ActionContext {
  return {
    clients: run.deps.clients,
    state: run.state,
    redactor: run.deps.redactor,
    env: run.env,
    scenarioDir: path.dirname(run.loaded.file),
    signal: run.signal,
    onRevert: (name, undo) => {
      run.cleanup.push(name, undo);
    },
    revertFault: async () => {
      const undos = run.faultUndos.splice(0).reverse();
      for (const entry of undos) {
        entry.remove();
        await entry.undo();
      }
      if (run.record.fault) run.record.fault.revertedAt = new Date().toISOString();
      return undos.length;
    },
  };
}

function recordError(run: Run, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (run.deps.signal.aborted) {
    run.record.status = 'interrupted';
    // The step that was running fails with whatever the abort broke (a closed client, say); the cause is the signal.
    const reason: unknown = run.deps.signal.reason;
    run.record.error = reason instanceof Error ? reason.message : 'interrupted';
    run.outcomes.interrupted = run.record.error;
  } else if (run.signal.aborted) {
    run.record.status = 'timedout';
    run.record.error = `scenario exceeded its time limit of ${run.loaded.scenario.timeLimit}`;
  } else {
    run.record.error = message;
  }
  run.deps.events.log('error', `scenario ${run.record.name}: ${run.record.error}`, { scenario: run.record.name });
}

async function teardown(run: Run): Promise<void> {
  if (run.load) {
    run.record.load = await run.load.finish();
  }
  if (run.record.rotation) run.record.rotation = judgeRotation(run.record.rotation, run.record.load);
  const outcomes = await run.cleanup.runAll({ events: run.deps.events, scenario: run.record.name });
  run.outcomes.cleanups = outcomes;
  for (const outcome of outcomes) {
    run.timeline.mark('teardown', outcome.name, outcome.ok ? 'done' : `failed: ${outcome.error}`);
  }
  if (run.record.fault?.injectedAt && !run.record.fault.revertedAt) run.record.fault.revertedAt = new Date().toISOString();
}

/** Under `lab verify-runbooks` the runbook's own steps are required checks too. */
function withRunbookChecks(config: GradeConfig, run: Run): GradeConfig {
  if (!run.deps.runbook) return config;
  const ids = ['runbook-diagnosis', 'remediation', 'runbook-verification'];
  const weights = { ...config.weights };
  for (const id of ids) weights[id] ??= 2;
  return { weights, required: [...new Set([...config.required, ...ids])] };
}

function grade(run: Run): void {
  const { scenario } = run.loaded;
  const configured = Object.keys(scenario.grade.weights).length > 0;
  const config = configured
    ? scenario.grade
    : defaultGradeConfig({
        fault: Boolean(scenario.fault),
        load: Boolean(scenario.load),
        remediation: Boolean(scenario.remediation),
        rotation: Boolean(scenario.rotation),
        guarded: [scenario.steadyState, scenario.symptoms].some((window) => window?.probes.some((block) => block.probe === 'secret-unchanged')),
      });
  const adr = run.loaded.adrs[0];
  const result = gradeScenario(run.record, run.outcomes, withRunbookChecks(config, run), { runbook: run.loaded.runbook, ...(adr ? { adr } : {}) });
  run.record.checks = result.checks;
  run.record.score = result.score;
  run.record.endedAt = new Date().toISOString();
  run.record.durationMs = Date.parse(run.record.endedAt) - Date.parse(run.record.startedAt);
  if (run.record.status === 'running') run.record.status = result.passed ? 'passed' : 'failed';
}
