/**
 * Wall time of the default suite: `lab run` over scenarios/ on a fresh
 * embedded basecamp started in this process, as a new user runs it, and
 * the time of each scenario from run.json. Target: the whole suite in under
 * 3 minutes on a 2-core machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';
import { formatDuration } from '../../lab/core/duration.ts';
import type { ScenarioRecord } from '../../lab/run/record.ts';
import { runScenarios } from '../../lab/run/runner.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const benchmark: Benchmark = {
  id: 'run-suite',
  async run(): Promise<BenchTable[]> {
    const reportsDir = await mkdtemp(path.join(os.tmpdir(), 'lab-bench-run-'));
    const started = performance.now();
    try {
      const result = await runScenarios({
        root: ROOT,
        paths: [],
        filters: [],
        basecampKind: 'embedded',
        keep: false,
        json: false,
        argv: ['lab', 'run'],
        stdout: new PassThrough().resume(),
        stderr: new PassThrough().resume(),
        color: false,
        interactive: false,
        handleSignals: false,
        reportsDir,
      });
      const totalMs = performance.now() - started;
      const scenarios = result.record?.scenarios ?? [];
      const scenarioMs = scenarios.reduce((sum, scenario) => sum + (scenario.durationMs ?? 0), 0);
      const setupMs = Math.max(0, totalMs - scenarioMs);
      const machine = `${os.availableParallelism()} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
      return [
        {
          id: 'run-suite-total',
          title: 'Default suite wall time',
          description: `\`lab run\` over scenarios/ on an embedded basecamp started in-process (${machine}). Target: under 3 minutes.`,
          columns: ['scenarios', 'passed', 'basecamp start and stop', 'scenarios', 'total'],
          rows: [
            [
              scenarios.length,
              scenarios.filter((scenario) => scenario.status === 'passed').length,
              formatDuration(setupMs),
              formatDuration(scenarioMs),
              formatDuration(totalMs),
            ],
          ],
        },
        {
          id: 'run-suite-scenarios',
          title: 'Wall time per scenario',
          description: 'From the start of setup to the end of teardown, from run.json; detection and recovery are measured from the fault and from the start of remediation.',
          columns: ['scenario', 'status', 'detected after', 'recovered after', 'wall time'],
          rows: scenarios.map((scenario) => [
            scenario.name,
            scenario.status,
            scenario.detection ? formatDuration(scenario.detection.afterMs) : '-',
            scenario.recovery ? formatDuration(scenario.recovery.afterMs) : '-',
            formatDuration(scenario.durationMs ?? 0),
          ]),
        },
        {
          id: 'run-suite-rotations',
          title: 'Rotations under load in the default suite',
          description:
            'For each rotate scenario, from run.json: the load over the whole scenario, p99 in milliseconds per window, the failure window (first to last second with a failed request) and the propagation delay to the first request served with the new credential.',
          columns: ['scenario', 'strategy', 'requests', 'failed', 'p99 before', 'p99 during', 'p99 after', 'failure window', 'new credential served', 'zero downtime'],
          rows: scenarios.filter((scenario) => scenario.rotation).map(rotationRow),
        },
      ];
    } finally {
      await rm(reportsDir, { recursive: true, force: true });
    }
  },
};

function rotationRow(scenario: ScenarioRecord): Array<string | number> {
  const rotation = scenario.rotation!;
  const load = scenario.load;
  const p99 = (name: string) => load?.windows.find((window) => window.name === name)?.p99 ?? '-';
  const during = load?.windows.find((window) => window.name === 'during-rotation');
  const kinds = Object.entries(during?.byErrorKind ?? {})
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const served = rotation.propagation.find((event) => event.name === 'new-credential-served');
  return [
    scenario.name,
    rotation.strategy,
    load?.overall.requests ?? 0,
    kinds ? `${load?.overall.failed ?? 0} (${kinds})` : (load?.overall.failed ?? 0),
    p99('before-rotation'),
    p99('during-rotation'),
    p99('after-rotation'),
    rotation.failureWindowMs === undefined ? '-' : formatDuration(rotation.failureWindowMs),
    served ? `${served.afterMs} ms` : '-',
    rotation.zeroDowntime ? 'yes' : 'no',
  ];
}
