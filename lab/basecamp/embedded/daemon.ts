/**
 * `lab up` in the background: the foreground supervisor process (what the
 * background child runs) and the parent side that starts it and waits for
 * it to be Ready.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { EnvironmentError } from '../../core/errors.ts';
import type { BasecampEndpoints } from '../types.ts';
import { isAlive, removeState, sleep, statePaths, stopLeftoverProcesses, supervisorState } from './state.ts';
import { startSupervisor, type SupervisorOptions } from './supervisor.ts';

/**
 * Runs the supervisor in this process until SIGTERM or SIGINT, with the pid
 * file claimed and `endpoints.json` written once Ready. Resolves after a
 * clean stop; the caller exits.
 */
export async function runForeground(options: Omit<SupervisorOptions, 'log'> & { log?: (line: string) => void }): Promise<void> {
  const paths = statePaths(options.stateDir);
  const log = options.log ?? ((line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`));
  await mkdir(options.stateDir, { recursive: true });
  await writeFile(paths.supervisorPid, `${process.pid}\n`);

  let stopRequested: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    log(`received ${signal}, stopping`);
    stopRequested?.();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  try {
    const supervisor = await startSupervisor({ ...options, log });
    await writeFile(paths.endpoints, `${JSON.stringify(supervisor.endpoints, null, 2)}\n`);
    log('basecamp is Ready');
    await stopSignal;
    await supervisor.stop();
    log('basecamp stopped');
  } catch (error) {
    log(`starting the basecamp failed: ${(error as Error).message}`);
    throw error;
  } finally {
    await rm(paths.endpoints, { force: true });
    await rm(paths.supervisorPid, { force: true });
  }
}

export interface StartBackgroundOptions {
  stateDir: string;
  /** The `lab` entry script and extra arguments for the foreground child. */
  labScript: string;
  extraArgs: string[];
  timeoutMs: number;
  onProgress?(line: string): void;
}

/** Starts `lab up --foreground` detached, with its output in supervisor.log, and waits until Ready. */
export async function startBackground(options: StartBackgroundOptions): Promise<BasecampEndpoints> {
  const current = await supervisorState(options.stateDir);
  if (current.state === 'up') return current.endpoints;
  if (current.state === 'starting') throw new EnvironmentError(`a basecamp is already starting in ${options.stateDir} (pid ${current.pid})`, { hint: 'wait for it, or run `lab down` first' });
  if (current.state === 'stale') await stopLeftoverProcesses(options.stateDir);
  await removeState(options.stateDir, false);
  await mkdir(options.stateDir, { recursive: true });

  const paths = statePaths(options.stateDir);
  const logFile = await open(paths.supervisorLog, 'a');
  const child = spawn(process.execPath, [options.labScript, 'up', '--foreground', '--state-dir', options.stateDir, ...options.extraArgs], {
    detached: true,
    stdio: ['ignore', logFile.fd, logFile.fd],
    env: { ...process.env, NO_COLOR: '1' },
  });
  child.unref();
  await logFile.close();
  const pid = child.pid as number;

  const deadline = Date.now() + options.timeoutMs;
  let shown = 0;
  while (Date.now() < deadline) {
    const state = await supervisorState(options.stateDir);
    shown = await showProgress(paths.supervisorLog, shown, options.onProgress);
    if (state.state === 'up') return state.endpoints;
    if (!isAlive(pid)) break;
    await sleep(250);
  }
  const tail = await logTail(paths.supervisorLog, 15);
  if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  throw new EnvironmentError(`the basecamp did not become Ready${isAlive(pid) ? ` within ${Math.round(options.timeoutMs / 1000)} s` : ': the supervisor exited'}; last lines of ${paths.supervisorLog}:\n${tail}`, {
    hint: 'run `lab down` to clean up, then `lab up` again; the full log stays in the state folder until then',
  });
}

/** Passes the lines the supervisor announced ("waiting for", "Ready") to `onProgress`. */
async function showProgress(file: string, from: number, onProgress?: (line: string) => void): Promise<number> {
  const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n');
  if (onProgress) {
    for (const line of lines.slice(from, -1)) if (/waiting for:|Ready|failed/.test(line)) onProgress(line.replace(/^\S+ /, ''));
  }
  return Math.max(from, lines.length - 1);
}

export async function logTail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).map((line) => `  ${line}`).join('\n');
}
