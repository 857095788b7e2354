import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../lab/run/record.ts';
import { runScenarios, type RunScenariosOptions } from '../../lab/run/runner.ts';
import { flagProject, flagScenario, world } from './harness.ts';

beforeEach(() => {
  world.flag = false;
  world.undos = 0;
});

function options(root: string, basecamp: RunScenariosOptions['basecamp'], overrides: Partial<RunScenariosOptions> = {}) {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk) => (text += chunk));
  const run: RunScenariosOptions = {
    root,
    paths: [],
    filters: [],
    basecampKind: 'embedded',
    basecamp,
    keep: false,
    json: false,
    argv: ['lab', 'run'],
    stdout,
    stderr: new PassThrough(),
    color: false,
    interactive: false,
    handleSignals: false,
    ...overrides,
  };
  return { run, output: () => text };
}

describe('runScenarios', () => {
  it('exits 0 and writes run.json when every check passes', async () => {
    const { root, basecamp } = flagProject([flagScenario()]);
    const { run, output } = options(root, basecamp);
    const result = await runScenarios(run);
    expect(result.exitCode).toBe(0);
    const record = JSON.parse(readFileSync(path.join(result.runDir!, 'run.json'), 'utf8')) as RunRecord;
    expect(record.status).toBe('passed');
    expect(record.scenarios.map((scenario) => scenario.status)).toEqual(['passed']);
    expect(record.scenarios[0]!.seed).toBeGreaterThan(0);
    expect(record.score).toEqual({ earned: 10, possible: 10, percent: 100 });
    expect(output()).toMatch(/SCENARIO\s+STATUS\s+SCORE/);
    expect(output()).toMatch(/flag\s+passed\s+100%/);
  });

  it('exits 1 when a required check fails', async () => {
    const broken = flagScenario({ name: 'broken', remediation: { actions: [{ action: 'shell', command: 'exit 5' }] } });
    const { root, basecamp } = flagProject([flagScenario(), broken]);
    const { run, output } = options(root, basecamp);
    const result = await runScenarios(run);
    expect(result.exitCode).toBe(1);
    expect(result.record?.status).toBe('failed');
    expect(output()).toContain('broken: remediation failed (required): remediation.actions[0] shell failed');
  });

  it('runs only scenarios matching a name filter', async () => {
    const { root, basecamp } = flagProject([flagScenario(), flagScenario({ name: 'other' })]);
    const { run } = options(root, basecamp, { filters: ['oth'] });
    const result = await runScenarios(run);
    expect(result.record?.scenarios.map((scenario) => scenario.name)).toEqual(['other']);
  });

  it('rejects a filter that matches nothing', async () => {
    const { root, basecamp } = flagProject([flagScenario()]);
    const { run } = options(root, basecamp, { filters: ['nope'] });
    await expect(runScenarios(run)).rejects.toThrow('no scenario matches nope');
  });

  it('rejects an invalid scenario before touching the basecamp', async () => {
    const { root, basecamp } = flagProject([flagScenario({ fault: { type: 'no-such-fault' } })]);
    const { run } = options(root, basecamp);
    await expect(runScenarios(run)).rejects.toThrow(/unknown fault/);
    expect(world.flag).toBe(false);
  });

  it('rejects an unknown grade check', async () => {
    const { root, basecamp } = flagProject([flagScenario({ grade: { weights: { 'fast-enough': 1 }, required: [] } })]);
    const { run } = options(root, basecamp);
    await expect(runScenarios(run)).rejects.toThrow('grade check "fast-enough" is not a known check');
  });

  it('skips scenarios written for another basecamp', async () => {
    const { root, basecamp } = flagProject([flagScenario({ basecamps: ['kind'] }), flagScenario({ name: 'other' })]);
    const { run } = options(root, basecamp);
    const result = await runScenarios(run);
    expect(result.exitCode).toBe(0);
    expect(result.record?.scenarios.map((scenario) => [scenario.name, scenario.status])).toEqual([
      ['other', 'passed'],
      ['flag', 'skipped'],
    ]);
  });

  it('prints run.json on stdout with --json', async () => {
    const { root, basecamp } = flagProject([flagScenario()]);
    const { run, output } = options(root, basecamp, { json: true });
    await runScenarios(run);
    const printed = JSON.parse(output()) as RunRecord;
    expect(printed.scenarios[0]!.name).toBe('flag');
    expect(printed.scenarios[0]!.timeline.length).toBeGreaterThan(0);
  });
});

/** Starts the interrupted-run fixture on `root` and sends SIGINT once `marker` exists. Resolves with the exit code and output. */
async function interruptWhenInjected(root: string, basecamp: { endpoints: unknown }, marker: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'interrupted-run.ts'), marker, root], {
    env: { ...process.env, LAB_TEST_BASECAMP: JSON.stringify(basecamp.endpoints) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!existsSync(marker) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(existsSync(marker), `the fault was never injected; output:\n${output}`).toBe(true);
  child.kill('SIGINT');
  return { code: await exited, output };
}

describe('lab run interrupted by SIGINT', () => {
  it('grades a step ignoring SIGINT', async () => {
    const marker = path.join(os.tmpdir(), `lab-interrupt-hold-${process.pid}-${Date.now()}`);
    const { root, basecamp } = flagProject([{ ...flagScenario(), fault: { type: 'test-flag', file: marker, holdMs: 2000 } }]);
    const { code, output } = await interruptWhenInjected(root, basecamp!, marker);

    expect(code, output).toBe(130);
    expect(existsSync(marker)).toBe(false);
    const record = JSON.parse(readFileSync(path.join(root, 'reports', 'latest', 'run.json'), 'utf8')) as RunRecord;
    const scenario = record.scenarios[0]!;
    expect(scenario.status).toBe('interrupted');
    expect(scenario.error).toBe('interrupted by SIGINT');
    expect(scenario.checks.find((check) => check.id === 'detected')?.message).toBe('not measured: interrupted by SIGINT before the symptoms appeared');
    expect(scenario.checks.find((check) => check.id === 'reverted')?.passed).toBe(true);
  }, 60_000);

  it('reverts the fault and exits 130', async () => {
    const waiting = flagScenario({ symptoms: { within: '60s', interval: '100ms', probes: [{ probe: 'test-flag', value: false }] } });
    const marker = path.join(os.tmpdir(), `lab-interrupt-${process.pid}-${Date.now()}`);
    const { root, basecamp } = flagProject([{ ...waiting, fault: { type: 'test-flag', file: marker } }]);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'interrupted-run.ts'), marker, root], {
      env: { ...process.env, LAB_TEST_BASECAMP: JSON.stringify(basecamp!.endpoints) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const deadline = Date.now() + 30_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(marker), `the fault was never injected; output:\n${output}`).toBe(true);
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    expect(existsSync(marker)).toBe(false);
    const record = JSON.parse(readFileSync(path.join(root, 'reports', 'latest', 'run.json'), 'utf8')) as RunRecord;
    expect(record.status).toBe('interrupted');
    expect(record.scenarios[0]!.status).toBe('interrupted');
    expect(record.scenarios[0]!.error).toBe('interrupted by SIGINT');
    // The report and the summary are written for an interrupted run too.
    expect(existsSync(path.join(root, 'reports', 'latest', 'report.md'))).toBe(true);
    expect(output).toMatch(/^run folder: reports\/\S+$/m);
    expect(output).toContain('finished with exit code 130');
  }, 60_000);
});
