/**
 * Maximum throughput of the built-in engine against autocannon, on the same
 * trivial server in another process, in one run: each gets 100 connections
 * for the same time. The built-in engine is asked for far more arrivals than
 * the server can take, so the in-flight cap is the limit and the rest are
 * dropped. Its throughput is the number of completed requests per second.
 */
import { createRequire } from 'node:module';
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';
import { runBuiltinLoad } from '../../lab/load/engine.ts';
import { resolveLoadProfile } from '../../lab/load/profile.ts';
import { startTrivialServer } from '../load/trivial-server.ts';

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

// autocannon ships no type declarations; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
}) => Promise<AutocannonResult>;

const CONNECTIONS = 100;
const SECONDS = 5;
const ROUNDS = 5;

export const benchmark: Benchmark = {
  id: 'load-throughput',
  async run(): Promise<BenchTable[]> {
    const server = await startTrivialServer();
    try {
      // Alternating rounds, because a shared machine's speed drifts during a run.
      const rows: Array<Array<string | number>> = [];
      // One unrecorded second of each first, so neither pays for JIT warm-up in the table.
      await builtinThroughput(server.url, 1);
      await autocannonThroughput(server.url, 1);
      const engineRates: number[] = [];
      const cannonRates: number[] = [];
      for (let round = 1; round <= ROUNDS; round += 1) {
        const engine = await builtinThroughput(server.url);
        rows.push([round, 'built-in engine', engine.rps, engine.p50, engine.p99, engine.errors]);
        engineRates.push(engine.rps);
        const cannon = await autocannonThroughput(server.url);
        rows.push([round, 'autocannon 9', cannon.rps, cannon.p50, cannon.p99, cannon.errors]);
        cannonRates.push(cannon.rps);
      }
      const engineMedian = median(engineRates);
      const cannonMedian = median(cannonRates);
      rows.push(['median', 'built-in engine', engineMedian, '', '', '']);
      rows.push(['median', 'autocannon 9', cannonMedian, '', '', '']);
      rows.push(['ratio', 'built-in / autocannon', (engineMedian / cannonMedian).toFixed(2), '', '', '']);
      return [
        {
          id: 'load-throughput',
          title: 'Maximum throughput on a trivial loopback server',
          description: `Requests per second completed against one trivial Node HTTP server in another process, ${CONNECTIONS} connections, ${SECONDS} s each, in ${ROUNDS} alternating rounds in one process after a 1 s warm-up of each; the last rows give the median of the rounds and its ratio. Target: the built-in engine at least matches autocannon.`,
          columns: ['round', 'generator', 'requests/s', 'p50 ms', 'p99 ms', 'errors'],
          rows,
        },
      ];
    } finally {
      await server.stop();
    }
  },
};

async function builtinThroughput(url: string, seconds = SECONDS) {
  const profile = resolveLoadProfile({
    url,
    rate: 200_000,
    duration: `${seconds}s`,
    maxInFlight: CONNECTIONS,
    timeout: '5s',
  });
  const run = await runBuiltinLoad(profile);
  const summary = await run.done();
  return {
    rps: Math.round(summary.overall.requests / seconds),
    p50: summary.overall.p50,
    p99: summary.overall.p99,
    errors: summary.overall.failed,
  };
}

async function autocannonThroughput(url: string, seconds = SECONDS) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  return {
    rps: Math.round(result.requests.total / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]!
    : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
