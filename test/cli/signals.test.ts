import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import type { LabEvent } from '../../lab/core/events.ts';
import { descendantPids } from '../../lab/run/processes.ts';
import type { RunRecord } from '../../lab/run/record.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = path.join(projectRoot, 'test/cli/fixtures/long-run.ts');
const started: ChildProcess[] = [];
const folders: string[] = [];

afterEach(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  started.length = 0;
  folders.length = 0;
});

/** True when the pid names a live process; zombies waiting for a reaper count as gone. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return !/^\d+ \(.*\) Z/.test(stat);
}

async function startLongRun(folder: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fixture,
      path.join(folder, 'reports'),
      path.join(folder, 'cleanup.log'),
      path.join(folder, 'pids.json'),
    ],
    {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`fixture not ready after 30s; stderr: ${stderr}`)),
      30_000,
    );
    child.stdout!.on('data', () => {
      if (stdout.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`fixture exited early; stderr: ${stderr}`)));
  });
  return { child, exited, output: () => stdout };
}

describe.each(['SIGINT', 'SIGTERM'] as const)('run interrupted by %s', (signal) => {
  test('exits 130 after cleanups, leaves no child', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'lab-signals-'));
    folders.push(folder);
    const run = await startLongRun(folder);
    const pids = JSON.parse(readFileSync(path.join(folder, 'pids.json'), 'utf8')) as {
      tracked: number;
      untracked: number;
    };
    const grandchildren = descendantPids(pids.untracked);
    expect(running(pids.tracked)).toBe(true);
    expect(grandchildren.length).toBe(1);

    run.child.kill(signal);
    const code = await run.exited;

    expect(code).toBe(130);
    expect(readFileSync(path.join(folder, 'cleanup.log'), 'utf8')).toBe('second\nfirst\n');
    for (const pid of [pids.tracked, pids.untracked, ...grandchildren])
      expect(running(pid), `pid ${pid}`).toBe(false);

    const reports = path.join(folder, 'reports');
    const runId = readlinkSync(path.join(reports, 'latest'));
    const record = JSON.parse(
      readFileSync(path.join(reports, runId, 'run.json'), 'utf8'),
    ) as RunRecord;
    expect(record.status).toBe('interrupted');
    expect(record.endedAt).toBeDefined();
    expect(existsSync(path.join(reports, runId, 'run.pid'))).toBe(false);

    const events = readFileSync(path.join(reports, runId, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LabEvent);
    const steps = events.filter(
      (event) => event.type === 'step.start' || event.type === 'step.end',
    );
    expect(steps.map((event) => `${event.type} ${'step' in event ? event.step : ''}`)).toEqual([
      'step.start wait on sleep',
      'step.end wait on sleep',
      'step.start cleanup: second',
      'step.end cleanup: second',
      'step.start cleanup: first',
      'step.end cleanup: first',
    ]);
    expect(steps[1]).toMatchObject({ status: 'interrupted' });
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'interrupted' });
    expect(run.output()).toContain(`STOP  long  setup: wait on sleep`);
  });
});
