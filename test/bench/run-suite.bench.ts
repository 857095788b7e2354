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
      ];
    } finally {
      await rm(reportsDir, { recursive: true, force: true });
    }
  },
};
