/**
 * Runs the real `bin/lab.js` in a child process, as a user would, and
 * returns its exit code and output.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LAB = path.join(PROJECT_ROOT, 'bin/lab.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Milliseconds before the child is killed (default 60000). */
  timeoutMs?: number;
}

/** Runs `lab ARGS...` and waits for it to exit. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
    const child = spawn(process.execPath, [LAB, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: Object.fromEntries(
        Object.entries(env).filter(([, value]) => value !== undefined),
      ) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
