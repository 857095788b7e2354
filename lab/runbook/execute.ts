/**
 * Runs one runbook step in bash with the basecamp's environment and checks
 * its output. A step with `retry` is re-run until it passes or the retry
 * window closes (recovery takes time: ESO refresh, kubelet sync). Output is
 * redacted before it is stored and cut to a bounded size.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Redactor } from '../core/redact.ts';
import type { RunbookStep } from './types.ts';

export type StepOutcomeStatus = 'passed' | 'failed' | 'skipped';

export interface StepOutcome {
  status: StepOutcomeStatus;
  /** Exit code of the last attempt; null when it was killed or skipped. */
  exitCode: number | null;
  /** Combined stdout and stderr of the last attempt, redacted. */
  output: string;
  attempts: number;
  durationMs: number;
  /** The reason it failed or was skipped, in one sentence. */
  reason?: string;
}

export interface ExecuteOptions {
  /** Environment for the shell: KUBECONFIG, VAULT_ADDR, VAULT_CACERT, VAULT_TOKEN, PG*. */
  env: Record<string, string>;
  cwd: string;
  redactor: Redactor;
  /** Pause between attempts of a retried step, in milliseconds. */
  retryIntervalMs?: number;
  signal?: AbortSignal;
}

/** Bytes of output kept per attempt. */
const MAX_OUTPUT_BYTES = 64 * 1024;
const DEFAULT_RETRY_INTERVAL_MS = 2000;

export async function executeStep(step: RunbookStep, options: ExecuteOptions): Promise<StepOutcome> {
  const started = Date.now();
  const missing = step.requires.filter((tool) => !onPath(tool, options.env.PATH ?? process.env.PATH ?? ''));
  if (step.kind === 'example' || missing.length > 0) {
    const reason = step.kind === 'example' ? 'example block: not executed' : `requires ${missing.join(', ')}, not on PATH`;
    return { status: 'skipped', exitCode: null, output: '', attempts: 0, durationMs: 0, reason };
  }

  const deadline = started + (step.retryMs ?? 0);
  let attempts = 0;
  for (;;) {
    attempts++;
    const result = await runShell(step.command, step.timeoutMs, options);
    const output = options.redactor.redact(result.output);
    const reason = judge(step, result.exitCode, output, result.timedOut);
    const done = reason === undefined || Date.now() >= deadline || options.signal?.aborted;
    if (done) {
      return {
        status: reason === undefined ? 'passed' : 'failed',
        exitCode: result.exitCode,
        output,
        attempts,
        durationMs: Date.now() - started,
        ...(reason === undefined ? {} : { reason }),
      };
    }
    await delay(options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS, options.signal);
  }
}

/** Returns why the attempt failed, or undefined when it passed. */
function judge(step: RunbookStep, exitCode: number | null, output: string, timedOut: boolean): string | undefined {
  if (timedOut) return `timed out after ${step.timeoutMs} ms`;
  if (exitCode !== 0) return `exited with code ${exitCode}`;
  if (step.expect && !new RegExp(step.expect, 'm').test(output)) {
    return `output does not match /${step.expect}/`;
  }
  if (step.expectNot && new RegExp(step.expectNot, 'm').test(output)) {
    return `output matches /${step.expectNot}/, which it must not`;
  }
  return undefined;
}

interface ShellResult {
  exitCode: number | null;
  output: string;
  timedOut: boolean;
}

function runShell(command: string, timeoutMs: number, options: ExecuteOptions): Promise<ShellResult> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout or abort kills the whole pipeline.
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      if (size < MAX_OUTPUT_BYTES) chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - size));
      size += chunk.length;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);

    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    options.signal?.addEventListener('abort', kill, { once: true });

    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      const truncated = size > MAX_OUTPUT_BYTES ? `\n[output cut at ${MAX_OUTPUT_BYTES} bytes]` : '';
      resolve({ exitCode: code, output: Buffer.concat(chunks).toString('utf8') + truncated, timedOut });
    });
  });
}

function onPath(tool: string, searchPath: string): boolean {
  return searchPath.split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Waits `ms`, or less when the signal aborts; removes its listener either way. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
