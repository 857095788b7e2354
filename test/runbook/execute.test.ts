import { describe, expect, it } from 'vitest';
import { Redactor } from '../../lab/core/redact.ts';
import { executeStep } from '../../lab/runbook/execute.ts';
import type { RunbookStep } from '../../lab/runbook/types.ts';

function step(command: string, extra: Partial<RunbookStep> = {}): RunbookStep {
  return { kind: 'diagnose', language: 'sh', command, timeoutMs: 5000, requires: [], part: 'diagnosis', file: 'f.md', line: 1, ...extra };
}

const redactor = new Redactor();
redactor.register('hunter2-secret');
const options = { env: { GREETING: 'hello' }, cwd: process.cwd(), redactor, retryIntervalMs: 50 };

describe('executeStep', () => {
  it('passes when the output matches expect', async () => {
    const outcome = await executeStep(step('echo "$GREETING world"', { expect: 'hello w' }), options);
    expect(outcome).toMatchObject({ status: 'passed', exitCode: 0, attempts: 1 });
    expect(outcome.output).toBe('hello world\n');
  });

  it('fails on a non-zero exit code, naming it', async () => {
    const outcome = await executeStep(step('exit 3'), options);
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 3, reason: 'exited with code 3' });
  });

  it('fails when expect does not match', async () => {
    const outcome = await executeStep(step('echo Ready', { expect: 'SecretSyncedError' }), options);
    expect(outcome.reason).toBe('output does not match /SecretSyncedError/');
  });

  it('fails when expect-not matches', async () => {
    const outcome = await executeStep(step('echo permission denied', { expectNot: 'denied' }), options);
    expect(outcome.reason).toBe('output matches /denied/, which it must not');
  });

  it('fails a pipeline whose first command fails', async () => {
    const outcome = await executeStep(step('false | cat'), options);
    expect(outcome.status).toBe('failed');
  });

  it('retries until the output matches', async () => {
    const file = `/tmp/lab-retry-${process.pid}-${Date.now()}`;
    const command = `n=$(cat ${file} 2>/dev/null || echo 0); echo $((n+1)) > ${file}; echo attempt $((n+1))`;
    const outcome = await executeStep(step(command, { expect: 'attempt 3', retryMs: 5000 }), options);
    expect(outcome).toMatchObject({ status: 'passed', attempts: 3 });
  });

  it('kills a step that runs past its timeout, with its children', async () => {
    const outcome = await executeStep(step('sleep 30 | cat', { timeoutMs: 300 }), options);
    expect(outcome).toMatchObject({ status: 'failed', reason: 'timed out after 300 ms' });
  });

  it('redacts secrets in the output', async () => {
    const outcome = await executeStep(step('echo password=hunter2-secret'), options);
    expect(outcome.output).toBe('password=[redacted]\n');
  });

  it('skips examples and steps whose tool is missing', async () => {
    expect(await executeStep(step('vault status', { kind: 'example' }), options)).toMatchObject({ status: 'skipped' });
    const missing = await executeStep(step('x', { requires: ['no-such-tool-here'] }), options);
    expect(missing).toMatchObject({ status: 'skipped', reason: 'requires no-such-tool-here, not on PATH' });
  });
});
