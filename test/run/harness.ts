/**
 * A scenario harness without a basecamp: a `test-flag` fault that flips a
 * flag in memory (and, when given a file, creates it, so another process can
 * see the fault), a `test-flag` probe that reads it, and a LoadedScenario
 * built from a plain object. The runner treats them like any other block.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Basecamp } from '../../lab/basecamp/types.ts';
import type { LabClients } from '../../lab/clients/index.ts';
import { EventBus, MemorySink } from '../../lab/core/events.ts';
import { Redactor } from '../../lab/core/redact.ts';
import { faultSpecs, faults } from '../../lab/faults/index.ts';
import { probeSpecs, probes } from '../../lab/probes/index.ts';
import { CleanupStack } from '../../lab/run/cleanup.ts';
import type { ScenarioDeps } from '../../lab/run/scenario-runner.ts';
import type { LoadedScenario } from '../../lab/scenario/loader.ts';
import { defaultSeed, scenarioSchema } from '../../lab/scenario/schema.ts';

export const world = { flag: false, undos: 0 };

faults['test-flag'] = {
  type: 'test-flag',
  description: 'sets a flag in memory (and creates `file` when given)',
  variants: [],
  schema: z.strictObject({ file: z.string().optional(), holdMs: z.number().int().min(0).optional() }),
  symptoms: { '*': ['flag is true'] },
  async inject(context, _variant, params) {
    world.flag = true;
    if (typeof params.file === 'string') writeFileSync(params.file, 'injected\n');
    context.onRevert('clear the flag', async () => {
      world.flag = false;
      world.undos++;
      if (typeof params.file === 'string' && existsSync(params.file)) rmSync(params.file);
    });
    // A step that does not watch the abort signal, like a fault waiting for a rollout.
    if (typeof params.holdMs === 'number') await new Promise((resolve) => setTimeout(resolve, params.holdMs as number));
    return { targets: { flag: 'world.flag' } };
  },
};

probes['test-flag'] = {
  name: 'test-flag',
  description: 'the flag has a value',
  schema: z.strictObject({ value: z.boolean() }) as never,
  async check(_context, params) {
    const value = (params as { value: boolean }).value;
    return { ok: world.flag === value, message: `flag is ${world.flag}` };
  },
};

faultSpecs['test-flag'] = { description: faults['test-flag'].description, schema: faults['test-flag'].schema, variants: [] };
probeSpecs['test-flag'] = { description: probes['test-flag']!.description, schema: probes['test-flag']!.schema };

/** A scenario object with the defaults of a flag scenario; `overrides` replace top-level fields. */
export function flagScenario(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'basecamp-lab/v1',
    kind: 'Scenario',
    name: 'flag',
    title: 'Flag',
    description: 'Flips a flag.',
    runbook: 'runbooks/flag.md#flag',
    steadyState: { within: '2s', interval: '50ms', probes: [{ probe: 'test-flag', value: false }] },
    fault: { type: 'test-flag' },
    symptoms: { within: '2s', interval: '50ms', probes: [{ probe: 'test-flag', value: true }] },
    remediation: { actions: [{ action: 'revert-fault' }] },
    recovery: { within: '2s', interval: '50ms', probes: [{ probe: 'test-flag', value: false }] },
    ...overrides,
  };
}

export function loaded(raw: Record<string, unknown>, dir = process.cwd()): LoadedScenario {
  const scenario = scenarioSchema.parse(raw);
  const [runbookPath, anchor] = scenario.runbook.split('#') as [string, string];
  return {
    file: path.join(dir, 'scenarios', `${scenario.name}.yaml`),
    displayPath: `scenarios/${scenario.name}.yaml`,
    scenario,
    seed: scenario.seed ?? defaultSeed(scenario.name),
    runbook: { path: runbookPath, anchor },
    adrs: scenario.adrs.map((adr) => ({ path: adr })),
    manifests: [],
  };
}

/**
 * Writes a project root with runbooks/flag.md and the given scenarios, and
 * the endpoint files of a basecamp that is never contacted (the flag fault
 * and probe stay in memory). Returns the root and that basecamp.
 */
export function flagProject(scenarios: Array<Record<string, unknown>>): { root: string; basecamp: Basecamp } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lab-run-'));
  mkdirSync(path.join(root, 'runbooks'));
  mkdirSync(path.join(root, 'scenarios'));
  writeFileSync(path.join(root, 'runbooks', 'flag.md'), '# Flag runbook\n\n## Flag\n\n### Fix\n\nNothing to run.\n');
  for (const scenario of scenarios) {
    writeFileSync(path.join(root, 'scenarios', `${String(scenario.name)}.yaml`), JSON.stringify(scenario, null, 2));
  }
  const kubeconfig = path.join(root, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: lab, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: admin, user: {token: unused-token}}]',
      'contexts: [{name: lab, context: {cluster: lab, user: admin}}]',
      'current-context: lab',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(root, 'token'), 'unused-vault-token\n', { mode: 0o600 });
  writeFileSync(path.join(root, 'password'), 'unused-password\n', { mode: 0o600 });
  const basecamp: Basecamp = {
    ...fakeBasecamp,
    endpoints: {
      ...fakeBasecamp.endpoints,
      kubeconfig,
      vault: { addr: 'https://127.0.0.1:1', tokenFile: path.join(root, 'token') },
      postgres: { ...fakeBasecamp.endpoints.postgres, passwordFile: path.join(root, 'password') },
      stateDir: root,
    },
  };
  return { root, basecamp };
}

export const fakeBasecamp: Basecamp = {
  kind: 'embedded',
  endpoints: {
    kind: 'embedded',
    kubeconfig: '/nonexistent/kubeconfig',
    vault: { addr: 'https://127.0.0.1:1', tokenFile: '/nonexistent/token' },
    postgres: { host: '127.0.0.1', port: 1, user: 'postgres', database: 'app', passwordFile: '/nonexistent/password' },
    serviceUrl: 'http://127.0.0.1:1',
    stateDir: '/nonexistent',
  },
  env: async () => ({ LAB_TEST: '1' }),
  stop: async () => {},
};

export function deps(overrides: Partial<ScenarioDeps> = {}): ScenarioDeps & { sink: MemorySink } {
  const redactor = new Redactor();
  const events = new EventBus('test-run', redactor);
  const sink = new MemorySink();
  events.addSink(sink);
  return {
    root: process.cwd(),
    basecamp: fakeBasecamp,
    clients: {} as LabClients,
    events,
    redactor,
    runCleanup: new CleanupStack(),
    signal: new AbortController().signal,
    sink,
    ...overrides,
  };
}
