/**
 * CPU the built-in engine uses at 1,000 requests per second: user plus
 * system time of this process (process.cpuUsage) over wall time, against a
 * trivial server in another process. Target: under 0.25 of one core.
 */
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';
import { runBuiltinLoad } from '../../lab/load/engine.ts';
import { resolveLoadProfile } from '../../lab/load/profile.ts';
import { startTrivialServer } from '../load/trivial-server.ts';

const RATE = 1000;
const SECONDS = 10;

export const benchmark: Benchmark = {
  id: 'load-cpu',
  async run(): Promise<BenchTable[]> {
    const server = await startTrivialServer();
    try {
      const profile = resolveLoadProfile({
        url: server.url,
        rate: RATE,
        duration: `${SECONDS}s`,
        timeout: '2s',
      });
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      const run = await runBuiltinLoad(profile);
      const summary = await run.done();
      const cpu = process.cpuUsage(cpuBefore);
      const wallMs = performance.now() - wallBefore;
      const cores = (cpu.user + cpu.system) / 1000 / wallMs;
      return [
        {
          id: 'load-cpu',
          title: 'CPU of the built-in engine at 1,000 requests/s',
          description: `User plus system CPU of the load process over wall time for ${SECONDS} s at ${RATE} requests/s against a trivial server in another process. Target: under 0.25 of one core.`,
          columns: ['rate', 'requests', 'failed', 'CPU (cores)', 'p99 ms'],
          rows: [
            [
              RATE,
              summary.overall.requests,
              summary.overall.failed,
              Number(cores.toFixed(3)),
              summary.overall.p99,
            ],
          ],
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
