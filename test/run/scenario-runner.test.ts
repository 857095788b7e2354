import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../lab/core/errors.ts';
import { runScenario } from '../../lab/run/scenario-runner.ts';
import { deps, flagScenario, loaded, world } from './harness.ts';

beforeEach(() => {
  world.flag = false;
  world.undos = 0;
});

describe('runScenario', () => {
  it('passes when detected, remediated and recovered', async () => {
    const record = await runScenario(loaded(flagScenario()), deps());
    expect(record.status).toBe('passed');
    expect(record.detection?.message).toBe('flag is true');
    expect(record.recovery).toBeDefined();
    expect(record.fault?.targets).toEqual({ flag: 'world.flag' });
    expect(record.fault?.revertedAt).toBeDefined();
    expect(world.undos).toBe(1);
    const required = record.checks.filter((check) => check.required);
    expect(required.map((check) => check.id)).toEqual(['steady-state', 'detected', 'recovered', 'remediation', 'reverted']);
    expect(required.every((check) => check.passed)).toBe(true);
  });

  it('records phases in order on the timeline', async () => {
    const record = await runScenario(loaded(flagScenario()), deps());
    const phases = [...new Set(record.timeline.map((entry) => entry.phase))];
    expect(phases).toEqual(['steady-state', 'fault', 'symptoms', 'remediation', 'recovery']);
    const offsets = record.timeline.map((entry) => entry.offsetMs);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('names a broken remediation action', async () => {
    const scenario = flagScenario({ remediation: { actions: [{ action: 'wait', duration: '10ms' }, { action: 'shell', command: 'exit 3' }] } });
    const record = await runScenario(loaded(scenario), deps());
    expect(record.status).toBe('failed');
    const remediation = record.checks.find((check) => check.id === 'remediation')!;
    expect(remediation.passed).toBe(false);
    expect(remediation.message).toContain('remediation.actions[1] shell failed');
    expect(remediation.message).toContain('exited with 3');
    expect(world.flag).toBe(false);
    expect(world.undos).toBe(1);
  });

  it('names a missing runbook section', async () => {
    const scenario = flagScenario({ remediation: { runbook: 'runbooks/missing.md#flag' } });
    const record = await runScenario(loaded(scenario), deps());
    const remediation = record.checks.find((check) => check.id === 'remediation')!;
    expect(remediation.message).toContain('runbook runbooks/missing.md#flag failed');
    expect(world.flag).toBe(false);
  });

  it('names a broken runbook fix step', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'lab-runner-'));
    mkdirSync(path.join(root, 'runbooks'));
    const runbook = ['# Flag runbook', '', '## Flag', '', '### Fix', '', '```sh {lab=fix}', 'echo fixing; exit 4', '```', ''].join('\n');
    writeFileSync(path.join(root, 'runbooks', 'flag.md'), runbook);
    const scenario = flagScenario({ remediation: { runbook: 'runbooks/flag.md#flag' } });
    const record = await runScenario(loaded(scenario, root), deps({ root }));
    const remediation = record.checks.find((check) => check.id === 'remediation')!;
    expect(remediation.passed).toBe(false);
    expect(remediation.message).toContain('runbook step runbooks/flag.md:7 (fix) failed');
    expect(record.status).toBe('failed');
    expect(world.flag).toBe(false);
  });

  it('fails detection when the symptom never appears', async () => {
    const scenario = flagScenario({ symptoms: { within: '200ms', interval: '50ms', probes: [{ probe: 'test-flag', value: false }] } });
    const record = await runScenario(loaded(scenario), deps());
    const detected = record.checks.find((check) => check.id === 'detected')!;
    expect(detected.passed).toBe(false);
    expect(detected.message).toContain('within 200ms');
    expect(record.status).toBe('failed');
  });

  it('stops before the fault when the steady state fails', async () => {
    world.flag = true;
    const record = await runScenario(loaded(flagScenario()), deps());
    expect(record.fault).toBeUndefined();
    expect(record.status).toBe('failed');
    expect(record.error).toContain('steady state not reached: test-flag: flag is true');
    expect(world.undos).toBe(0);
  });

  it('reverts the fault when interrupted', async () => {
    const controller = new AbortController();
    const scenario = flagScenario({ symptoms: { within: '30s', interval: '50ms', probes: [{ probe: 'test-flag', value: false }] } });
    const running = runScenario(loaded(scenario), deps({ signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(world.flag).toBe(true);
    controller.abort(new InterruptedError('SIGINT'));
    const record = await running;
    expect(record.status).toBe('interrupted');
    expect(world.flag).toBe(false);
    expect(world.undos).toBe(1);
  });

  it('times out at the scenario time limit and reverts', async () => {
    const scenario = flagScenario({
      timeLimit: '300ms',
      symptoms: { within: '30s', interval: '50ms', probes: [{ probe: 'test-flag', value: false }] },
    });
    const record = await runScenario(loaded(scenario), deps());
    expect(record.status).toBe('timedout');
    expect(record.error).toContain('time limit of 300ms');
    expect(world.flag).toBe(false);
  });

  it('registers its teardown on the run cleanup stack while running', async () => {
    const harness = deps();
    const scenario = flagScenario({ symptoms: { within: '300ms', interval: '50ms', probes: [{ probe: 'test-flag', value: false }] } });
    const running = runScenario(loaded(scenario), harness);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(harness.runCleanup.pending()).toEqual(['teardown of scenario flag']);
    await running;
    expect(harness.runCleanup.size).toBe(0);
  });

  it('emits one end event per step', async () => {
    const harness = deps();
    await runScenario(loaded(flagScenario()), harness);
    const starts = harness.sink.events.filter((event) => event.type === 'step.start').length;
    const ends = harness.sink.events.filter((event) => event.type === 'step.end').length;
    expect(starts).toBeGreaterThan(3);
    expect(ends).toBe(starts);
  });
});
