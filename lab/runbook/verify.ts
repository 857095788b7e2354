/**
 * `lab verify-runbooks`: lints the runbooks and ADRs, then runs the scenario
 * of each runbook section with the section in charge. After the symptoms its
 * diagnose steps must pass, its fix steps are the remediation, and after
 * recovery its verify steps must pass. Any drift fails the run (exit 1) and
 * names the step's file and line.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Basecamp, BasecampKind } from '../basecamp/types.ts';
import { ExitCode, InvalidInputError } from '../core/errors.ts';
import type { RunRecord, ScenarioRecord } from '../run/record.ts';
import type { RunbookUnderTest } from '../run/runbook-stage.ts';
import { runScenarios, scenarioRegistry } from '../run/runner.ts';
import { loadScenarios } from '../scenario/loader.ts';
import { renderRunbookJunit } from './junit.ts';
import { lintAdrs, lintRunbooks, listMarkdown, loadRunbooks } from './lint.ts';
import type { Runbook } from './types.ts';

export interface VerifyRunbooksOptions {
  root: string;
  /** Runbook files (root-relative or absolute); default every file under runbooks/. */
  files: string[];
  basecampKind: BasecampKind;
  /** Verify every scenario a section names, not only the first. */
  allVariants: boolean;
  /** Only lint; run nothing. */
  lintOnly: boolean;
  /** Extra path for the JUnit file; one is always written into the run folder. */
  junit?: string;
  keep: boolean;
  /** A running basecamp to use instead of acquiring one (tests). */
  basecamp?: Basecamp;
  /** Folder of the run folders; default `<root>/reports`. */
  reportsDir?: string;
  /** Install SIGINT and SIGTERM handlers (default true). */
  handleSignals?: boolean;
  json: boolean;
  argv: string[];
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  color: boolean;
  interactive: boolean;
}

/** One section verified through one scenario. */
export interface SectionTarget {
  runbook: RunbookUnderTest;
  scenario: string;
}

export async function verifyRunbooks(options: VerifyRunbooksOptions): Promise<number> {
  const files = await runbookFiles(options);
  const runbooks = await loadRunbooks(options.root, files);
  const problems = [
    ...(await lintRunbooks(options.root, runbooks)),
    ...(await lintAdrs(options.root, await listMarkdown(options.root, 'adrs'))),
  ];
  if (problems.length > 0) {
    const lines = problems.map((problem) => `  ${problem.file}:${problem.line}: ${problem.message}`);
    throw new InvalidInputError(`${problems.length} runbook problems:\n${lines.join('\n')}`, {
      hint: 'the runbook format is described in docs/runbook-format.md',
    });
  }
  const output = options.json ? options.stderr : options.stdout;
  output.write(`lint: ${files.length} runbooks and the ADRs are well formed\n`);
  if (options.lintOnly) return ExitCode.passed;

  const targets = sectionTargets(runbooks, options.allVariants);
  if (targets.length === 0) {
    output.write('no runbook section names a scenario: nothing to verify\n');
    return ExitCode.passed;
  }
  const scenarioFiles = await scenarioFilesByName(options.root, targets);
  const result = await runScenarios({
    root: options.root,
    paths: targets.map((target) => scenarioFiles.get(target.scenario)!),
    filters: [],
    basecampKind: options.basecampKind,
    keep: options.keep,
    json: options.json,
    argv: options.argv,
    stdout: options.stdout,
    stderr: options.stderr,
    color: options.color,
    interactive: options.interactive,
    runbooks: new Map(targets.map((target) => [target.scenario, target.runbook])),
    ...(options.basecamp ? { basecamp: options.basecamp } : {}),
    ...(options.reportsDir ? { reportsDir: options.reportsDir } : {}),
    ...(options.handleSignals === undefined ? {} : { handleSignals: options.handleSignals }),
  });

  if (result.record && result.runDir) {
    output.write(formatSectionResults(targets, result.record));
    const junit = renderRunbookJunit(targets, result.record);
    await writeFile(path.join(result.runDir, 'runbooks-junit.xml'), junit);
    if (options.junit) {
      await mkdir(path.dirname(path.resolve(options.root, options.junit)), { recursive: true });
      await writeFile(path.resolve(options.root, options.junit), junit);
    }
  }
  return result.exitCode;
}

async function runbookFiles(options: VerifyRunbooksOptions): Promise<string[]> {
  if (options.files.length === 0) return listMarkdown(options.root, 'runbooks');
  return options.files.map((file) => path.relative(options.root, path.resolve(options.root, file)));
}

/** Pairs each section tied to scenarios with its first scenario (or with every one). */
export function sectionTargets(runbooks: Runbook[], allVariants: boolean): SectionTarget[] {
  return runbooks.flatMap((runbook) =>
    runbook.sections.flatMap((section) =>
      (allVariants ? section.scenarios : section.scenarios.slice(0, 1)).map((scenario) => ({
        scenario,
        runbook: { link: `${runbook.file}#${section.anchor}`, section },
      })),
    ),
  );
}

async function scenarioFilesByName(root: string, targets: SectionTarget[]): Promise<Map<string, string>> {
  const { scenarios } = await loadScenarios(['scenarios'], { root, registry: scenarioRegistry() });
  const files = new Map(scenarios.map((loaded) => [loaded.scenario.name, loaded.file]));
  const missing = targets.filter((target) => !files.has(target.scenario));
  if (missing.length > 0) {
    const names = missing.map((target) => `${target.scenario} (${target.runbook.link})`).join(', ');
    throw new InvalidInputError(`runbook sections name scenarios that do not load: ${names}`, {
      hint: 'run `lab validate scenarios/` to see why',
    });
  }
  return files;
}

/** Formats one line per section (verified, drifted or not run) and the failed check under a drift. */
export function formatSectionResults(targets: SectionTarget[], record: RunRecord): string {
  const lines = ['', 'runbook sections:'];
  for (const target of targets) {
    const scenario = record.scenarios.find((candidate) => candidate.name === target.scenario);
    const failed = scenario ? failedCheck(scenario) : undefined;
    let verdict = 'OK';
    if (!scenario) verdict = 'NOT RUN';
    else if (failed) verdict = 'DRIFT';
    lines.push(`  ${verdict.padEnd(7)} ${target.runbook.link} (scenario ${target.scenario})`);
    if (failed) lines.push(`          ${failed.title}: ${failed.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function failedCheck(scenario: ScenarioRecord) {
  return scenario.checks.find((check) => check.required && !check.passed) ?? scenario.checks.find((check) => !check.passed);
}
