/**
 * `lab run` without the CLI: loads and checks the scenarios, acquires a
 * basecamp (the one `lab up` started, or an embedded one started here),
 * runs each scenario inside the run lifecycle, grades the run and renders
 * its report. Returns the exit code: 0 only when every required check passed.
 */
import path from 'node:path';
import { acquireBasecamp, checkBasecampReady } from '../basecamp/index.ts';
import type { Basecamp, BasecampKind } from '../basecamp/types.ts';
import { openClients } from '../clients/index.ts';
import { ExitCode, InvalidInputError } from '../core/errors.ts';
import { formatCount } from '../core/plural.ts';
import { type ToolName, toolVersions } from '../core/tools.ts';
import { faultSpecs } from '../faults/index.ts';
import { CHECK_IDS, runScore, unknownCheckIds } from '../grading/index.ts';
import type { LoadEngineChoice } from '../load/index.ts';
import { probeSpecs } from '../probes/index.ts';
import { Redactor } from '../core/redact.ts';
import { renderRunReport } from '../report/index.ts';
import { rotationSpecs } from '../rotation/index.ts';
import { type LoadedScenario, loadScenarios } from '../scenario/loader.ts';
import { formatProblem } from '../scenario/problem.ts';
import type { ScenarioRegistry } from '../scenario/registry.ts';
import { actionSpecs } from './actions.ts';
import { withRunLifecycle } from './lifecycle.ts';
import { killDescendants } from './processes.ts';
import type { RunRecord, RunStatus } from './record.ts';
import type { RunbookUnderTest } from './runbook-stage.ts';
import { readRunRecord } from './run-folder.ts';
import { runScenario } from './scenario-runner.ts';
import { formatSummary } from './summary.ts';

/**
 * Tools a run may call, recorded with their versions in run.json: kubectl for
 * the kind basecamp and runbook shell steps, k6 for loads.
 */
const RECORDED_TOOLS: readonly ToolName[] = ['kubectl', 'k6'];

export interface RunScenariosOptions {
  root: string;
  /** Scenario files or folders; default `scenarios/`. */
  paths: string[];
  /** Keep only scenarios whose name contains one of these. */
  filters: string[];
  basecampKind: BasecampKind;
  /** An already running basecamp to use instead of acquiring one (tests, `lab up`). */
  basecamp?: Basecamp;
  /** Leave a basecamp this run started up for inspection. */
  keep: boolean;
  json: boolean;
  argv: string[];
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  color: boolean;
  interactive: boolean;
  /** Install SIGINT and SIGTERM handlers and exit 130 on a signal (default true). */
  handleSignals?: boolean;
  reportsDir?: string;
  /** Runbook sections to verify, by scenario name (`lab verify-runbooks`). */
  runbooks?: Map<string, RunbookUnderTest>;
  /** Load engine for every scenario with a load, in place of its `load.engine` (`--load-engine`). */
  loadEngine?: LoadEngineChoice;
}

export interface RunScenariosResult {
  exitCode: number;
  record?: RunRecord;
  runDir?: string;
}

export function scenarioRegistry(): ScenarioRegistry {
  return { probes: probeSpecs, faults: faultSpecs, actions: actionSpecs, rotations: rotationSpecs };
}

/** Loads the scenarios and checks everything that can be checked before touching a basecamp. */
export async function selectScenarios(options: Pick<RunScenariosOptions, 'root' | 'paths' | 'filters' | 'basecampKind'>): Promise<{ run: LoadedScenario[]; skipped: LoadedScenario[] }> {
  const paths = options.paths.length > 0 ? options.paths : ['scenarios'];
  const { scenarios, problems } = await loadScenarios(paths, { root: options.root, registry: scenarioRegistry() });
  if (problems.length > 0) {
    const files = new Set(problems.map((problem) => problem.file)).size;
    const counts = `${formatCount(problems.length, 'problem')} in ${formatCount(files, 'scenario file')}`;
    throw new InvalidInputError(`${counts}:\n${problems.map(formatProblem).join('\n')}`, {
      hint: 'fix the fields named above; `lab validate` lists the same problems',
    });
  }
  const gradeProblems = scenarios.flatMap((loaded) =>
    unknownCheckIds(loaded.scenario.grade).map((id) => `${loaded.displayPath}: grade check "${id}" is not a known check`),
  );
  if (gradeProblems.length > 0) {
    throw new InvalidInputError(gradeProblems.join('\n'), {
      hint: `use one of ${CHECK_IDS.join(', ')}`,
    });
  }
  const selected = options.filters.length
    ? scenarios.filter((loaded) => options.filters.some((filter) => loaded.scenario.name.includes(filter)))
    : scenarios;
  if (selected.length === 0) {
    const names = scenarios.map((loaded) => loaded.scenario.name).join(', ');
    throw new InvalidInputError(`no scenario matches ${options.filters.join(', ') || paths.join(', ')}`, {
      hint: names ? `scenarios found: ${names}` : 'add scenario files under scenarios/',
    });
  }
  const fits = (loaded: LoadedScenario) => loaded.scenario.basecamps.includes(options.basecampKind);
  return { run: selected.filter(fits), skipped: selected.filter((loaded) => !fits(loaded)) };
}

export async function runScenarios(options: RunScenariosOptions): Promise<RunScenariosResult> {
  const { run: scenarios, skipped } = await selectScenarios(options);
  const output = options.json ? options.stderr : options.stdout;
  // A basecamp that cannot start here fails before a run folder exists, with one error and its hint.
  if (!options.basecamp) await checkBasecampReady(options.basecampKind);

  // One version command per tool, in parallel, each with the timeout of core/tools.ts.
  const tools = await toolVersions(RECORDED_TOOLS);

  let kept: Basecamp | undefined;
  // Created outside the lifecycle, so the report's leak check gets every secret the run handled.
  const redactor = new Redactor();
  const outcome = await withRunLifecycle(
    {
      reportsDir: options.reportsDir ?? path.join(options.root, 'reports'),
      argv: options.argv,
      basecamp: options.basecampKind,
      scenarios: scenarios.map((loaded) => loaded.scenario.name),
      output,
      color: options.color,
      interactive: options.interactive,
      handleSignals: options.handleSignals ?? true,
      // An interrupted run still renders its report and prints its summary below, then exits 130.
      exitOnInterrupt: false,
      redactor,
      tools,
    },
    async (run) => {
      const basecamp = await run.events.step({ step: `basecamp ${options.basecampKind}`, phase: 'setup' }, () =>
        options.basecamp ? Promise.resolve(options.basecamp) : acquireBasecamp({ kind: options.basecampKind, root: options.root }),
      );
      // A basecamp `lab up` started, or an existing cluster, stays as it is after the run.
      const owned = !options.basecamp && basecamp.owned !== false;
      if (owned && !options.keep) run.cleanup.push('stop the basecamp', () => basecamp.stop());
      if (owned && options.keep) kept = basecamp;
      if (!options.basecamp && !owned) run.cleanup.push('detach from the basecamp, which keeps running', () => basecamp.stop());
      const clients = await openClients(basecamp.endpoints);
      run.cleanup.push('close the API clients', () => clients.close());
      await run.store.update((record) => {
        record.basecamp.endpoints = publicEndpoints(basecamp);
      });

      for (const loaded of scenarios) {
        run.signal.throwIfAborted();
        await runScenario(loaded, {
          root: options.root,
          basecamp,
          clients,
          events: run.events,
          redactor: run.redactor,
          runCleanup: run.cleanup,
          store: run.store,
          signal: run.signal,
          ...(options.loadEngine ? { loadEngine: options.loadEngine } : {}),
          ...(options.runbooks?.has(loaded.scenario.name) ? { runbook: options.runbooks.get(loaded.scenario.name)! } : {}),
        });
      }
      await run.store.update((record) => {
        for (const loaded of skipped) record.scenarios.push(skippedRecord(loaded, options.basecampKind));
        record.score = runScore(record.scenarios.map((scenario) => scenario.score));
      });
      const failed = run.store.record.scenarios.some((scenario) => !['passed', 'skipped'].includes(scenario.status));
      return (failed ? 'failed' : 'passed') satisfies RunStatus;
    },
  );

  const record = await readRunRecord(outcome.folder.dir);
  let exitCode = outcome.exitCode;
  try {
    const report = await renderRunReport(outcome.folder.dir, { root: options.root, redactor });
    if (report.problems.length > 0) {
      output.write(`report problems:\n${report.problems.map((problem) => `  ${problem}`).join('\n')}\n`);
      if (exitCode === ExitCode.passed) exitCode = ExitCode.checkFailed;
    }
  } catch (error) {
    output.write(`report not rendered: ${(error as Error).message}\n`);
  }
  output.write(formatSummary(record));
  output.write(`run folder: ${path.relative(options.root, outcome.folder.dir) || outcome.folder.dir}\n`);
  if (options.json) options.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  if (outcome.error !== undefined && outcome.status === 'errored') {
    output.write(`error: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}\n`);
  }
  if (outcome.status === 'interrupted') {
    await killDescendants();
    return { exitCode: ExitCode.interrupted, record, runDir: outcome.folder.dir };
  }
  if (kept) await holdBasecamp(kept, output);
  return { exitCode, record, runDir: outcome.folder.dir };
}

/**
 * Keeps a basecamp this process started running for inspection until
 * SIGINT or SIGTERM, then stops it. A basecamp `lab up` started is not
 * affected: its stop() does nothing.
 */
async function holdBasecamp(basecamp: Basecamp, output: NodeJS.WritableStream): Promise<void> {
  const env = await basecamp.env();
  const shown = ['KUBECONFIG', 'VAULT_ADDR', 'VAULT_CACERT', 'LAB_SERVICE_URL'].filter((name) => env[name]);
  output.write(`basecamp kept up for inspection (--keep); press Ctrl-C to stop it\n`);
  for (const name of shown) output.write(`  export ${name}=${env[name]}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await basecamp.stop();
}

function publicEndpoints(basecamp: Basecamp): Record<string, string> {
  const { endpoints } = basecamp;
  return {
    kubeconfig: endpoints.kubeconfig,
    vault: endpoints.vault.addr,
    postgres: `${endpoints.postgres.host}:${endpoints.postgres.port}/${endpoints.postgres.database}`,
    service: endpoints.serviceUrl,
  };
}

function skippedRecord(loaded: LoadedScenario, kind: BasecampKind) {
  return {
    name: loaded.scenario.name,
    title: loaded.scenario.title,
    file: loaded.displayPath,
    runbook: loaded.runbook,
    adrs: loaded.adrs,
    seed: loaded.seed,
    status: 'skipped' as const,
    startedAt: new Date().toISOString(),
    timeline: [],
    observations: [],
    checks: [],
    score: { earned: 0, possible: 0, percent: 100 },
    error: `skipped: the scenario does not list the ${kind} basecamp`,
  };
}
