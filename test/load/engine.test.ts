import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runBuiltinLoad } from '../../lab/load/engine.ts';
import { type LoadProfileInput, resolveLoadProfile } from '../../lab/load/profile.ts';
import type { LoadSecond } from '../../lab/run/record.ts';
import { type LoopbackServer, startLoopbackServer } from './loopback-server.ts';

let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function profile(url: string, overrides: Partial<LoadProfileInput> = {}) {
  return resolveLoadProfile({ url, rate: 100, duration: '1s', timeout: '1s', ...overrides });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('built-in load engine', () => {
  it('sends the scheduled number of requests', async () => {
    server = await startLoopbackServer();
    // A long timeout, because opening many loopback connections at once can take a second on a busy machine.
    const run = await runBuiltinLoad(
      profile(server.url, { rate: 200, duration: '1s', timeout: '10s' }),
    );
    const summary = await run.done();

    expect(summary.engine).toBe('builtin');
    expect(summary.overall.requests).toBe(200);
    expect(server.received()).toBe(200);
    expect(summary.overall.failed).toBe(0);
    expect(summary.overall.dropped).toBe(0);
    expect(summary.durationMs).toBe(1000);
    expect(Date.parse(summary.startedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('measures latency from the scheduled send time', async () => {
    server = await startLoopbackServer();
    const run = await runBuiltinLoad(
      profile(server.url, { rate: 100, duration: '1500ms', timeout: '3s' }),
    );
    await sleep(300);
    run.mark('stall');
    server.setMode({ kind: 'stall' });
    await sleep(500);
    server.setMode({ kind: 'ok' });
    server.releaseStalled();
    run.mark('after');
    const summary = await run.done();

    const stall = summary.windows.find((window) => window.name === 'stall')!;
    const after = summary.windows.find((window) => window.name === 'after')!;
    // The first request of the stall waited about 500 ms for the release.
    expect(stall.max).toBeGreaterThanOrEqual(400);
    expect(stall.p50).toBeGreaterThanOrEqual(150);
    expect(after.p50).toBeLessThan(100);
    expect(summary.overall.failed).toBe(0);
  });

  it('counts arrivals over the in-flight cap as dropped', async () => {
    server = await startLoopbackServer({ kind: 'stall' });
    const run = await runBuiltinLoad(
      profile(server.url, { rate: 100, duration: '500ms', timeout: '300ms', maxInFlight: 5 }),
    );
    const summary = await run.done();

    expect(summary.overall.requests + (summary.overall.dropped ?? 0)).toBe(50);
    expect(summary.overall.dropped).toBeGreaterThan(30);
    expect(summary.overall.byErrorKind.timeout).toBe(summary.overall.requests);
  });

  it.each([
    { mode: { kind: 'status', status: 503 } as const, kind: 'http-5xx' },
    { mode: { kind: 'status', status: 404 } as const, kind: 'http-4xx' },
    { mode: { kind: 'reset' } as const, kind: 'reset' },
    { mode: { kind: 'stall' } as const, kind: 'timeout' },
  ])('classifies $kind', async ({ mode, kind }) => {
    server = await startLoopbackServer(mode);
    const run = await runBuiltinLoad(
      profile(server.url, { rate: 20, duration: '250ms', timeout: '200ms' }),
    );
    const summary = await run.done();

    expect(summary.overall.requests).toBe(5);
    expect(summary.overall.failed).toBe(5);
    expect(summary.overall.byErrorKind).toEqual({ [kind]: 5 });
  });

  it('classifies a closed port as refused', async () => {
    const port = await closedPort();
    const run = await runBuiltinLoad(
      profile(`http://127.0.0.1:${port}/`, { rate: 20, duration: '250ms' }),
    );
    const summary = await run.done();

    expect(summary.overall.byErrorKind).toEqual({ refused: 5 });
  });

  it('reports every second once', async () => {
    server = await startLoopbackServer();
    const seconds: LoadSecond[] = [];
    const run = await runBuiltinLoad(
      profile(server.url, { rate: 50, duration: '2500ms', timeout: '200ms' }),
      {
        onSecond: (row) => seconds.push(row),
      },
    );
    const summary = await run.done();

    expect(seconds.map((row) => row.second)).toEqual([0, 1, 2]);
    expect(seconds.map((row) => row.requests)).toEqual([50, 50, 25]);
    expect(summary.series).toEqual(seconds);
  });

  it('evaluates thresholds overall and per window', async () => {
    server = await startLoopbackServer();
    const run = await runBuiltinLoad(
      profile(server.url, {
        rate: 100,
        duration: '1200ms',
        thresholds: {
          http_req_failed: ['rate<0.01'],
          'http_req_duration{window:after}': ['p(99)<250'],
        },
      }),
    );
    run.mark('before');
    await sleep(300);
    // Each switch waits 150 ms after the mark or before it, so that no request in
    // flight at the switch is counted in the wrong window even on a busy machine.
    run.mark('during');
    await sleep(150);
    server.setMode({ kind: 'status', status: 500 });
    await sleep(280);
    server.setMode({ kind: 'ok' });
    await sleep(150);
    run.mark('after');
    const summary = await run.done();

    const failedRate = Object.fromEntries(
      summary.thresholds
        .filter((t) => t.metric === 'http_req_failed')
        .map((t) => [t.window, t.passed]),
    );
    expect(failedRate).toEqual({ overall: false, before: true, during: false, after: true });
    const afterP99 = summary.thresholds.filter(
      (t) => t.metric === 'http_req_duration{window:after}',
    );
    expect(afterP99).toHaveLength(1);
    expect(afterP99[0]!.passed).toBe(true);
    const during = summary.windows.find((window) => window.name === 'during')!;
    expect(during.byErrorKind['http-5xx']).toBeGreaterThan(20);
  });

  it('follows a ramping arrival rate', async () => {
    server = await startLoopbackServer();
    const run = await runBuiltinLoad(
      profile(server.url, {
        rate: 0,
        duration: undefined,
        stages: [
          { target: 200, duration: '1s' },
          { target: 200, duration: '500ms' },
        ],
      }),
    );
    const summary = await run.done();

    expect(summary.overall.requests).toBe(200);
    expect(summary.series.map((row) => row.requests)).toEqual([100, 100]);
    expect(summary.rate).toBe(200);
  });

  it('ends early when the signal aborts', async () => {
    server = await startLoopbackServer();
    const controller = new AbortController();
    const run = await runBuiltinLoad(profile(server.url, { rate: 100, duration: '10s' }), {
      signal: controller.signal,
    });
    await sleep(300);
    controller.abort();
    const summary = await run.done();

    expect(summary.durationMs).toBeLessThan(1000);
    expect(summary.overall.requests).toBeLessThan(100);
    expect(summary.overall.requests).toBeGreaterThan(10);
  });

  it('rejects a window marked twice', async () => {
    server = await startLoopbackServer();
    const run = await runBuiltinLoad(profile(server.url, { rate: 10, duration: '200ms' }));
    run.mark('before');
    expect(() => run.mark('before')).toThrow(/window "before" was already marked/);
    await run.done();
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
