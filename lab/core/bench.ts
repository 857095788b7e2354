/**
 * The shape of a benchmark under test/bench/: each `*.bench.ts` file exports
 * `benchmark`, and `npm run bench` runs them all and rewrites their tables in
 * BENCHMARKS.md between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`.
 */

export interface BenchTable {
  /** Stable id, used for the markers in BENCHMARKS.md. */
  id: string;
  title: string;
  /** What is measured and how, in a sentence or two, with the target when there is one. */
  description: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

export interface Benchmark {
  id: string;
  /** Runs the measurement (bounded in time) and returns its tables. */
  run(): Promise<BenchTable[]>;
}
