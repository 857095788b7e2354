/**
 * `lab up` to all Ready, and the memory of the whole embedded basecamp.
 * Each run starts `lab up --foreground` in a new state folder (the process
 * the background `lab up` starts), waits until it writes endpoints.json
 * (both ExternalSecrets Ready, the Deployment available, the service
 * answering through its NodePort), sums the resident memory (VmRSS) of the
 * supervisor and every descendant (PostgreSQL, the two service pods), then
 * stops it with SIGTERM. The CLI's own start-up before the supervisor runs
 * is included, as a user waits for it too.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';

const RUNS = 3;
const READY_TIMEOUT_MS = 240_000;
const LAB = resolve(import.meta.dirname, '../../bin/lab.js');

export const benchmark: Benchmark = {
  id: 'basecamp-up',
  async run(): Promise<BenchTable[]> {
    const rows: Array<Array<string | number>> = [];
    const durations: number[] = [];
    const memories: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const { seconds, memory } = await measureOnce();
      durations.push(seconds);
      memories.push(memory.total);
      rows.push([run, seconds.toFixed(1), memory.supervisor, memory.postgres, memory.pods, memory.total]);
    }
    rows.push(['median', median(durations).toFixed(1), '', '', '', median(memories)]);
    return [
      {
        id: 'basecamp-up',
        title: 'lab up to all Ready, and the basecamp memory',
        description:
          'Time from starting `lab up --foreground` in an empty state folder until endpoints.json is written (ExternalSecrets Ready, 2/2 replicas, NodePort answering), and the VmRSS of the supervisor, PostgreSQL (all its processes) and the two service pods once Ready, in MiB.',
        columns: ['run', 'up to Ready (s)', 'supervisor (MiB)', 'PostgreSQL (MiB)', 'service pods (MiB)', 'total (MiB)'],
        rows,
      },
    ];
  },
};

interface Memory {
  supervisor: number;
  postgres: number;
  pods: number;
  total: number;
}

async function measureOnce(): Promise<{ seconds: number; memory: Memory }> {
  const folder = await mkdtemp(join(tmpdir(), 'lab-bench-up-'));
  await chmod(folder, 0o755);
  const stateDir = join(folder, 'state');
  const started = performance.now();
  const child = spawn(process.execPath, [LAB, 'up', '--foreground', '--state-dir', stateDir], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await exists(join(stateDir, 'endpoints.json')))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the basecamp in ${stateDir} did not become Ready`);
      await new Promise((done) => setTimeout(done, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, memory: await treeMemory(child.pid as number) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    await rm(folder, { recursive: true, force: true });
  }
}

/** VmRSS in MiB of `root` and its descendants, grouped by role. */
async function treeMemory(root: number): Promise<Memory> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const statLine = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const parent = Number(statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(Number(entry), parent);
  }
  const inTree = (pid: number): boolean => {
    for (let current: number | undefined = pid; current !== undefined && current > 1; current = parents.get(current)) {
      if (current === root) return true;
    }
    return false;
  };
  const memory: Memory = { supervisor: 0, postgres: 0, pods: 0, total: 0 };
  for (const pid of parents.keys()) {
    if (!inTree(pid)) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    const mib = Math.round(kib / 1024);
    if (pid === root) memory.supervisor += mib;
    else if (commandLine.includes('postgres')) memory.postgres += mib;
    else if (commandLine.includes('pod-preload')) memory.pods += mib;
    else memory.supervisor += mib;
  }
  memory.total = memory.supervisor + memory.postgres + memory.pods;
  return memory;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
