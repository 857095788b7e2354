import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { CheckFailedError, InvalidInputError } from '../../lab/core/errors.ts';
import { Redactor } from '../../lab/core/redact.ts';
import { CleanupStack } from '../../lab/run/cleanup.ts';
import {
  exitCodeForStatus,
  type RunLifecycleOptions,
  withRunLifecycle,
} from '../../lab/run/lifecycle.ts';
import { PlainReporter } from '../../lab/run/reporter.ts';
import { readRunRecord, writeFileAtomic } from '../../lab/run/run-folder.ts';
import { isRunId, newRunId, runIdTime } from '../../lab/run/run-id.ts';

const folders: string[] = [];

function temporaryFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'lab-lifecycle-'));
  folders.push(folder);
  return folder;
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function options(reportsDir: string, output = new PassThrough()): RunLifecycleOptions {
  return {
    reportsDir,
    argv: ['lab', 'run'],
    basecamp: 'embedded',
    scenarios: ['alpha'],
    output,
    color: false,
    interactive: false,
    handleSignals: false,
  };
}

describe('run id', () => {
  test('has the documented shape', () => {
    const id = newRunId(new Date('2026-12-04T19:45:12.345Z'), Buffer.from([0xab, 0x12]));
    expect(id).toBe('20261204T194512Z-ab12');
    expect(isRunId(id)).toBe(true);
    expect(runIdTime(id).toISOString()).toBe('2026-12-04T19:45:12.000Z');
  });

  test('sorts by start time', () => {
    const earlier = newRunId(new Date('2026-12-04T09:59:59Z'), Buffer.from([0xff, 0xff]));
    const later = newRunId(new Date('2026-12-04T10:00:00Z'), Buffer.from([0x00, 0x00]));
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });

  test('rejects other text', () => {
    expect(isRunId('latest')).toBe(false);
    expect(() => runIdTime('2026-12-04')).toThrow(
      'invalid run id "2026-12-04": expected the form 20261204T194512Z-ab12',
    );
  });
});

describe('CleanupStack', () => {
  test('runs newest first and continues past failures', async () => {
    const stack = new CleanupStack();
    const order: string[] = [];
    stack.push('apply manifests', () => {
      order.push('apply manifests');
    });
    stack.push('inject fault', () => {
      order.push('inject fault');
      throw new Error('revert failed: 503');
    });
    const remove = stack.push('never', () => {
      order.push('never');
    });
    stack.push('start load', async () => {
      order.push('start load');
    });
    remove();

    expect(stack.pending()).toEqual(['start load', 'inject fault', 'apply manifests']);
    const outcomes = await stack.runAll();

    expect(order).toEqual(['start load', 'inject fault', 'apply manifests']);
    expect(outcomes).toEqual([
      { name: 'start load', ok: true },
      { name: 'inject fault', ok: false, error: 'revert failed: 503' },
      { name: 'apply manifests', ok: true },
    ]);
    expect(stack.size).toBe(0);
  });

  test('times out a hanging cleanup', async () => {
    const stack = new CleanupStack();
    stack.push('hangs', () => new Promise<void>(() => undefined));
    const outcomes = await stack.runAll({ timeoutMs: 50 });
    expect(outcomes).toEqual([
      { name: 'hangs', ok: false, error: 'cleanup "hangs" timed out after 50ms' },
    ]);
  });
});

describe('run folder', () => {
  test('atomic write leaves no temporary file', async () => {
    const folder = temporaryFolder();
    const file = path.join(folder, 'run.json');
    await writeFileAtomic(file, '{"a":1}');
    await writeFileAtomic(file, '{"a":2}');
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}');
    expect(readdirSync(folder)).toEqual(['run.json']);
  });

  test('running record of a dead process reads as interrupted', async () => {
    const folder = temporaryFolder();
    const run = await withRunLifecycle(options(folder), async () => 'passed');
    const record = JSON.parse(readFileSync(run.folder.file('run.json'), 'utf8'));
    record.status = 'running';
    writeFileSync(run.folder.file('run.json'), JSON.stringify(record));
    // A pid that cannot exist on Linux (above pid_max's maximum of 2^22).
    writeFileSync(run.folder.file('run.pid'), '99999999\n');

    expect((await readRunRecord(run.folder.dir)).status).toBe('interrupted');
    writeFileSync(run.folder.file('run.pid'), `${process.pid}\n`);
    expect((await readRunRecord(run.folder.dir)).status).toBe('running');
  });
});

describe('withRunLifecycle', () => {
  test('passed run writes record, events and latest', async () => {
    const reports = temporaryFolder();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk) => {
      text += chunk;
    });
    const redactor = new Redactor();

    const outcome = await withRunLifecycle(
      { ...options(reports, output), redactor },
      async (run) => {
        redactor.register('s3cr3t-password');
        run.cleanup.push('revert', () => undefined);
        await run.events.step({ step: 'login', scenario: 'alpha', phase: 'setup' }, async () => {
          run.events.log('info', 'logged in with s3cr3t-password');
        });
        await run.store.update((record) => {
          record.basecamp.endpoints.vault = 'https://127.0.0.1:8200';
        });
        return 'passed';
      },
    );

    expect(outcome.status).toBe('passed');
    expect(outcome.exitCode).toBe(0);
    expect(readlinkSync(path.join(reports, 'latest'))).toBe(outcome.runId);
    expect(existsSync(outcome.folder.file('run.pid'))).toBe(false);

    const record = await readRunRecord(outcome.folder.dir);
    expect(record).toMatchObject({
      schemaVersion: 1,
      runId: outcome.runId,
      status: 'passed',
      argv: ['lab', 'run'],
    });
    expect(record.basecamp.endpoints).toEqual({ vault: 'https://127.0.0.1:8200' });
    expect(record.durationMs).toBeGreaterThanOrEqual(0);

    const events = readFileSync(outcome.folder.file('events.jsonl'), 'utf8');
    expect(events).not.toContain('s3cr3t-password');
    expect(events).toContain('logged in with [redacted]');
    const types = events
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).type);
    expect(types).toEqual([
      'run.start',
      'step.start',
      'log',
      'step.end',
      'step.start',
      'step.end',
      'run.end',
    ]);

    expect(text).toContain('RUN   alpha  setup: login\n');
    expect(text).toMatch(/DONE {2}alpha {2}setup: login {2}\(\d+ms\)\n/);
    expect(text).toContain('DONE  teardown: cleanup: revert');
    expect(text).toMatch(new RegExp(`PASS {2}run ${outcome.runId} passed in `));
  });

  test('failed status exits 1', async () => {
    const outcome = await withRunLifecycle(options(temporaryFolder()), async () => 'failed');
    expect(outcome.exitCode).toBe(1);
  });

  test('thrown error ends errored with its exit code', async () => {
    const stack: string[] = [];
    const outcome = await withRunLifecycle(options(temporaryFolder()), async (run) => {
      run.cleanup.push('undo', () => {
        stack.push('undo');
      });
      throw new InvalidInputError('scenario alpha: bad target');
    });
    expect(outcome.status).toBe('errored');
    expect(outcome.exitCode).toBe(2);
    expect(stack).toEqual(['undo']);
    expect((await readRunRecord(outcome.folder.dir)).status).toBe('errored');
  });

  test('two runs update latest', async () => {
    const reports = temporaryFolder();
    await withRunLifecycle(options(reports), async () => 'passed');
    const second = await withRunLifecycle(options(reports), async () => 'passed');
    expect(readlinkSync(path.join(reports, 'latest'))).toBe(second.runId);
  });
});

describe('exit codes', () => {
  test.each([
    ['passed', undefined, 0],
    ['failed', undefined, 1],
    ['timedout', undefined, 1],
    ['interrupted', undefined, 130],
    ['errored', new CheckFailedError('x'), 1],
    ['errored', new InvalidInputError('x'), 2],
  ] as const)('%s maps to its code', (status, error, code) => {
    expect(exitCodeForStatus(status, error)).toBe(code);
  });
});

describe('PlainReporter', () => {
  test('colour only when enabled', () => {
    const plain = new PlainReporter({ stream: new PassThrough(), color: false });
    const coloured = new PlainReporter({ stream: new PassThrough(), color: true });
    const event = {
      type: 'step.end' as const,
      time: '2026-12-04T19:45:12.000Z',
      runId: 'r',
      stepId: 's',
      step: 'inject',
      phase: 'fault',
      status: 'failed' as const,
      durationMs: 1500,
      error: 'timed out',
    };
    expect(plain.format(event)).toBe('FAIL  fault: inject  (1.5s): timed out');
    // styleText honours NO_COLOR and the stream's colour support, so only check for an escape when allowed.
    expect(coloured.format(event)).toContain('fault: inject');
  });
});
