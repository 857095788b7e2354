/**
 * The state folder of an embedded basecamp (`.lab/` by default) and the
 * process bookkeeping that lets `lab down` stop everything, also after the
 * supervisor crashed: the supervisor's pid file, each pod process's pid
 * file, and PostgreSQL's own `postmaster.pid`.
 */
import { lstat, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BasecampEndpoints } from '../types.ts';

export interface StatePaths {
  root: string;
  supervisorPid: string;
  supervisorLog: string;
  /** Written once every component is Ready; its presence means "up". */
  endpoints: string;
  kubeconfig: string;
  caCert: string;
  vaultToken: string;
  vaultUnsealKeys: string;
  vaultData: string;
  vaultAudit: string;
  postgresData: string;
  pods: string;
}

export function statePaths(stateDir: string): StatePaths {
  return {
    root: stateDir,
    supervisorPid: join(stateDir, 'supervisor.pid'),
    supervisorLog: join(stateDir, 'supervisor.log'),
    endpoints: join(stateDir, 'endpoints.json'),
    kubeconfig: join(stateDir, 'kubeconfig'),
    caCert: join(stateDir, 'ca.pem'),
    vaultToken: join(stateDir, 'vault-token'),
    vaultUnsealKeys: join(stateDir, 'vault-unseal-keys.json'),
    vaultData: join(stateDir, 'vault'),
    vaultAudit: join(stateDir, 'vault-audit.log'),
    postgresData: join(stateDir, 'postgres'),
    pods: join(stateDir, 'pods'),
  };
}

/** Checks whether a process with this pid exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the first line of a pid file; undefined when missing or not a number. */
export async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export type SupervisorState =
  | { state: 'down' }
  | { state: 'stale'; pid: number }
  | { state: 'starting'; pid: number }
  | { state: 'up'; pid: number; endpoints: BasecampEndpoints };

/** Reads what runs in a state folder: nothing, a crashed supervisor (stale pid file), one that is starting, or one that is up. */
export async function supervisorState(stateDir: string): Promise<SupervisorState> {
  const paths = statePaths(stateDir);
  const pid = await readPid(paths.supervisorPid);
  if (pid === undefined) return { state: 'down' };
  // NOTE: a live pid is trusted: the supervisor may run inside another program (lab run, a test runner).
  if (!isAlive(pid)) return { state: 'stale', pid };
  try {
    const endpoints = JSON.parse(await readFile(paths.endpoints, 'utf8')) as BasecampEndpoints;
    return { state: 'up', pid, endpoints };
  } catch {
    return { state: 'starting', pid };
  }
}

/** True when /proc/<pid>/cmdline contains `needle`, so a reused pid of another program is never signalled. */
export async function commandLineMatches(pid: number, needle: string): Promise<boolean> {
  try {
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    return commandLine.includes(needle);
  } catch {
    // Without /proc (macOS) the pid is trusted.
    return process.platform !== 'linux';
  }
}

/**
 * Stops what a crashed supervisor left running in `stateDir`: pod processes
 * (their `pid` files, checked to be lab pod processes) and PostgreSQL (its
 * `postmaster.pid`, checked to be `postgres`). Returns the pids signalled.
 */
export async function stopLeftoverProcesses(stateDir: string, graceMs = 5_000): Promise<number[]> {
  const paths = statePaths(stateDir);
  const targets: number[] = [];
  const podFolders = await readdir(paths.pods).catch(() => [] as string[]);
  for (const pod of podFolders) {
    const pid = await readPid(join(paths.pods, pod, 'pid'));
    if (pid !== undefined && isAlive(pid) && (await commandLineMatches(pid, 'pod-preload'))) targets.push(pid);
  }
  const postgresPid = await readPid(join(paths.postgresData, 'postmaster.pid'));
  if (postgresPid !== undefined && isAlive(postgresPid) && (await commandLineMatches(postgresPid, 'postgres'))) targets.push(postgresPid);

  for (const pid of targets) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (targets.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of targets.filter(isAlive)) signal(pid, 'SIGKILL');
  return targets;
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL. Resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs: number): Promise<'exited' | 'killed' | 'absent'> {
  if (!isAlive(pid)) return 'absent';
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (!isAlive(pid)) return 'exited';
  signal(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Names a lab state folder may contain; a folder with anything else is never deleted. */
const STATE_ENTRIES = new Set([
  'supervisor.pid', 'supervisor.log', 'endpoints.json', 'kubeconfig', 'ca.pem', 'vault-token', 'vault-unseal-keys.json',
  'vault', 'vault-audit.log', 'postgres', 'pods', 'service-table.json', 'service-table.json.tmp', 'pgpass',
]);

async function assertLabState(stateDir: string): Promise<void> {
  const unknown = (await readdir(stateDir)).filter((entry) => !STATE_ENTRIES.has(entry));
  if (unknown.length > 0) {
    throw new Error(`refusing to delete ${stateDir}: it contains ${unknown.slice(0, 3).join(', ')}, which the lab did not create; remove them or choose another state folder`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Removes the runtime files of a stopped basecamp; with `keepData`, PostgreSQL's and Vault's data folders stay. */
export async function removeState(stateDir: string, keepData: boolean): Promise<void> {
  const paths = statePaths(stateDir);
  const exists = await stat(stateDir).then(() => true, () => false);
  if (!exists) return;
  if (!keepData) {
    await assertLabState(stateDir);
    // A data folder moved under the temporary folder (see embedded/postgres.ts) goes with its link.
    const data = await lstat(paths.postgresData).catch(() => undefined);
    if (data?.isSymbolicLink()) await rm(await readlink(paths.postgresData), { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
    return;
  }
  for (const file of [paths.supervisorPid, paths.endpoints, join(stateDir, 'service-table.json')]) await rm(file, { force: true });
  await rm(paths.pods, { recursive: true, force: true });
}
