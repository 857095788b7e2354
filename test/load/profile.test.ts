import { describe, expect, it } from 'vitest';
import { ArrivalSchedule } from '../../lab/load/arrival-rate.ts';
import { resolveLoadProfile } from '../../lab/load/profile.ts';

describe('load profile', () => {
  it('applies defaults and resolves a path against the service URL', () => {
    const profile = resolveLoadProfile(
      { path: '/orders?limit=1', rate: 50, duration: '30s' },
      'http://127.0.0.1:30080',
    );

    expect(profile).toEqual({
      url: 'http://127.0.0.1:30080/orders?limit=1',
      method: 'GET',
      headers: {},
      rate: 50,
      stages: [],
      durationMs: 30_000,
      maxInFlight: 200,
      timeoutMs: 5000,
      connectTimeoutMs: 2000,
      thresholds: {},
    });
  });

  it('sums stage durations', () => {
    const profile = resolveLoadProfile({
      url: 'http://127.0.0.1:1/',
      rate: 0,
      stages: [
        { target: 100, duration: '10s' },
        { target: 100, duration: '1m' },
      ],
    });

    expect(profile.durationMs).toBe(70_000);
  });

  it.each([
    { input: { url: 'http://127.0.0.1:1/', rate: 10 }, message: 'load.duration is missing' },
    {
      input: { url: 'http://127.0.0.1:1/', rate: 0, duration: '1s' },
      message: 'load.rate 0 must be above 0',
    },
    { input: { url: 'http://127.0.0.1:1/', rate: -1, duration: '1s' }, message: 'load.rate' },
    {
      input: { url: 'http://127.0.0.1:1/', rate: 10, duration: 'ten seconds' },
      message: 'load.duration: must be a duration',
    },
    {
      input: { url: 'http://127.0.0.1:1/', rate: 10, duration: '0s' },
      message: 'must be longer than 0',
    },
    {
      input: { url: 'ftp://127.0.0.1/', rate: 10, duration: '1s' },
      message: 'must use http or https',
    },
    {
      input: { url: 'not a url', rate: 10, duration: '1s' },
      message: 'load.url "not a url" is not a URL',
    },
    { input: { path: '/', rate: 10, duration: '1s' }, message: 'no service URL' },
    {
      input: { url: 'http://127.0.0.1:1/', path: '/', rate: 10, duration: '1s' },
      message: 'both load.url and load.path',
    },
    {
      input: { url: 'http://127.0.0.1:1/', rate: 10, duration: '1s', rps: 5 },
      message: 'load.: Unrecognized key: "rps"',
    },
    {
      input: {
        url: 'http://127.0.0.1:1/',
        rate: 10,
        duration: '1s',
        stages: [{ target: 1, duration: '1s' }],
      },
      message: 'load.duration and load.stages are both set',
    },
    {
      input: {
        url: 'http://127.0.0.1:1/',
        rate: 10,
        duration: '1s',
        thresholds: { http_req_duration: ['p99<1'] },
      },
      message: 'invalid threshold "p99<1"',
    },
  ])('rejects $message', ({ input, message }) => {
    expect(() => resolveLoadProfile(input)).toThrow(message);
  });
});

describe('arrival schedule', () => {
  it('spaces a constant rate evenly', () => {
    const schedule = new ArrivalSchedule(4, [], 1000);

    expect(schedule.total).toBe(4);
    expect([0, 1, 2, 3].map((n) => schedule.timeOf(n))).toEqual([0, 250, 500, 750]);
  });

  it('counts arrivals due by a time', () => {
    const constant = new ArrivalSchedule(4, [], 1000);
    const ramp = new ArrivalSchedule(0, [{ target: 100, durationMs: 2000 }], 2000);

    expect([0, 249, 250, 999, 5000].map((ms) => constant.countThrough(ms))).toEqual([
      1, 1, 2, 4, 4,
    ]);
    expect(ramp.countThrough(1000)).toBe(26);
    for (const n of [10, 25, 64, 99]) expect(ramp.countThrough(ramp.timeOf(n))).toBe(n + 1);
  });

  it('ramps linearly within a stage', () => {
    // 0 to 100/s over 2 s is 100 arrivals; arrival n is due at sqrt(n / 25) s.
    const schedule = new ArrivalSchedule(0, [{ target: 100, durationMs: 2000 }], 2000);

    expect(schedule.total).toBe(100);
    expect(schedule.timeOf(25)).toBeCloseTo(1000, 6);
    expect(schedule.timeOf(64)).toBeCloseTo(1600, 6);
    expect(schedule.rateAt(500)).toBe(25);
  });

  it('keeps arrival times increasing across stages', () => {
    const schedule = new ArrivalSchedule(
      10,
      [
        { target: 50, durationMs: 1000 },
        { target: 50, durationMs: 0 },
        { target: 5, durationMs: 2000 },
      ],
      3000,
    );
    const times = Array.from({ length: schedule.total }, (_, n) => schedule.timeOf(n));

    expect(schedule.total).toBe(85);
    for (let i = 1; i < times.length; i += 1) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    expect(times.at(-1)).toBeLessThan(3000);
  });
});
