/**
 * Child processes of a run. Harness code that starts a process (a runbook
 * shell, kubectl, k6) spawns it through `spawnTracked`, in its own process
 * group, so an interrupt can stop the process and everything it started.
 * `killDescendants` is the last sweep: it stops every process below this one
 * that is still alive, including those started by other code.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';

/** How long a process group gets between SIGTERM and SIGKILL, in milliseconds. */
export const KILL_GRACE_MS = 2_000;

export class ProcessRegistry {
  readonly #children = new Set<ChildProcess>();

  /**
   * Spawns `command` in a new process group (detached, so a signal to the
   * group reaches its children too) and tracks it until it exits.
   */
  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(command, args, { ...options, detached: true });
    this.track(child);
    return child;
  }

  /** Tracks a child started elsewhere; it is forgotten once it exits. */
  track(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
  }

  /** PIDs of tracked children still running. */
  pids(): number[] {
    return [...this.#children].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  /**
   * Sends SIGTERM to every tracked child's process group, waits up to
   * `graceMs` for them to exit, then sends SIGKILL to what is left.
   */
  async killAll(graceMs: number = KILL_GRACE_MS): Promise<void> {
    const children = [...this.#children];
    for (const child of children) signalGroup(child, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && children.some((child) => alive(child))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const child of children) if (alive(child)) signalGroup(child, 'SIGKILL');
  }

  /** Sends SIGKILL to every tracked group at once: for a second Ctrl-C. */
  killAllNow(): void {
    for (const child of this.#children) signalGroup(child, 'SIGKILL');
  }
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Signals the child's process group, or the child alone when it leads no group. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      process.kill(child.pid, signal);
    } catch {
      // Already exited.
    }
  }
}

/**
 * Lists the PIDs of every process below `rootPid` (children, grandchildren
 * and so on), from `ps -A -o pid=,ppid=` (procps on Linux, BSD ps on macOS).
 */
export function descendantPids(rootPid: number = process.pid): number[] {
  let output: string;
  try {
    output = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', timeout: 5_000 });
  } catch {
    return [];
  }
  const childrenOf = new Map<number, number[]>();
  for (const line of output.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined || Number.isNaN(ppid)) continue;
    childrenOf.set(ppid, [...(childrenOf.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [...(childrenOf.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (found.includes(pid)) continue;
    found.push(pid);
    queue.push(...(childrenOf.get(pid) ?? []));
  }
  return found;
}

/**
 * Stops every process below this one: SIGTERM, up to `graceMs` to exit,
 * then SIGKILL. The `ps` process this function runs is excluded.
 */
export async function killDescendants(graceMs: number = KILL_GRACE_MS): Promise<number[]> {
  const targets = descendantPids();
  for (const pid of targets) sendSignal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let remaining = targets.filter(pidAlive);
  while (remaining.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    remaining = remaining.filter(pidAlive);
  }
  for (const pid of remaining) sendSignal(pid, 'SIGKILL');
  return targets;
}

/** Sends SIGKILL to every descendant of this process at once, for a forced exit; returns how many there were. */
export function killDescendantsNow(): number {
  const targets = descendantPids();
  for (const pid of targets) sendSignal(pid, 'SIGKILL');
  return targets.length;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already exited.
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
