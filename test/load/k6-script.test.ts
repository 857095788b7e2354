import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findK6, runK6Load } from '../../lab/load/k6-runner.ts';
import { integerRate, k6Scenario, k6Script, k6Thresholds } from '../../lab/load/k6-script.ts';
import { resolveLoadProfile } from '../../lab/load/profile.ts';
import { startLoopbackServer } from './loopback-server.ts';

const k6Path = await findK6();

describe('k6 script', () => {
  it('uses constant-arrival-rate for a constant rate', () => {
    const profile = resolveLoadProfile({
      url: 'http://127.0.0.1:30080/',
      rate: 50,
      duration: '30s',
      maxInFlight: 100,
    });

    expect(k6Scenario(profile)).toEqual({
      executor: 'constant-arrival-rate',
      rate: 50,
      timeUnit: '1s',
      duration: '30000ms',
      preAllocatedVUs: 5,
      maxVUs: 100,
    });
  });

  it('uses ramping-arrival-rate for stages', () => {
    const profile = resolveLoadProfile({
      url: 'http://127.0.0.1:30080/',
      rate: 0.5,
      stages: [{ target: 20, duration: '10s' }],
    });

    expect(k6Scenario(profile)).toMatchObject({
      executor: 'ramping-arrival-rate',
      startRate: 5,
      timeUnit: '10s',
      stages: [{ target: 200, duration: '10000ms' }],
    });
  });

  it.each([
    [25, { rate: 25, timeUnitSeconds: 1 }],
    [2.5, { rate: 25, timeUnitSeconds: 10 }],
    [0.125, { rate: 125, timeUnitSeconds: 1000 }],
  ])('writes rate %s as an integer per time unit', (rate, expected) => {
    expect(integerRate(rate)).toEqual(expected);
  });

  it('leaves window thresholds to the lab', () => {
    const profile = resolveLoadProfile({
      url: 'http://127.0.0.1:30080/',
      rate: 5,
      duration: '1s',
      thresholds: {
        http_req_failed: ['rate<0.001'],
        'http_req_duration{window:during}': ['p(99)<250'],
      },
    });

    expect(k6Thresholds(profile)).toEqual({ http_req_failed: ['rate<0.001'] });
  });

  it('embeds profile text as JSON, never as code', () => {
    const profile = resolveLoadProfile({
      url: 'http://127.0.0.1:30080/a?q=1',
      method: 'POST',
      body: "'); throw 1; ('",
      rate: 5,
      duration: '1s',
    });
    const script = k6Script(profile);

    expect(script).toContain(`const body = ${JSON.stringify("'); throw 1; ('")};`);
    expect(script).toContain('const url = "http://127.0.0.1:30080/a?q=1";');
    expect(script).toContain('"executor": "constant-arrival-rate"');
  });

  it('is valid JavaScript', () => {
    const profile = resolveLoadProfile({ url: 'http://127.0.0.1:30080/', rate: 5, duration: '1s' });
    const module = k6Script(profile).replace(
      "import http from 'k6/http';",
      'const http = { request() {} };',
    );
    const result = spawnSync(process.execPath, ['--input-type=module', '--check'], {
      input: module,
    });

    expect(result.stderr.toString()).toBe('');
    expect(result.status).toBe(0);
  });
});

describe.skipIf(!k6Path)(
  `k6 end to end (${k6Path ? `k6 at ${k6Path}` : 'skipped: k6 is not on PATH'})`,
  () => {
    it('runs the profile and parses its points', async () => {
      const server = await startLoopbackServer();
      try {
        const profile = resolveLoadProfile({
          url: server.url,
          rate: 20,
          duration: '2s',
          thresholds: { http_req_failed: ['rate<0.01'] },
        });
        const run = await runK6Load(profile, {}, k6Path);
        run.mark('all');
        const summary = await run.done();

        expect(summary.engine).toBe('k6');
        expect(summary.overall.requests).toBeGreaterThanOrEqual(38);
        expect(summary.overall.failed).toBe(0);
        expect(summary.thresholds.every((threshold) => threshold.passed)).toBe(true);
      } finally {
        await server.close();
      }
    }, 60_000);
  },
);

describe('k6 when missing', () => {
  it.skipIf(k6Path)('reports that k6 is not on PATH', async () => {
    const profile = resolveLoadProfile({ url: 'http://127.0.0.1:1/', rate: 5, duration: '1s' });

    await expect(runK6Load(profile, {}, undefined)).rejects.toThrow(
      'k6 was requested as the load engine but is not on PATH',
    );
  });
});
