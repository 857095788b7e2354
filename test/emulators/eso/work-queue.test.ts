import { describe, expect, it } from 'vitest';
import { ExponentialBackoff, WorkQueue } from '../../../lab/emulators/eso/work-queue.ts';

describe('exponential backoff', () => {
  it('doubles from 1 s and caps at 7 minutes', () => {
    const backoff = new ExponentialBackoff(1000, 420_000);
    const delays = Array.from({ length: 11 }, () => backoff.next('ns/es'));
    expect(delays).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 420_000, 420_000,
    ]);
  });

  it('is kept per key and reset by forget', () => {
    const backoff = new ExponentialBackoff(1000, 420_000);
    backoff.next('a');
    backoff.next('a');
    expect(backoff.next('b')).toBe(1000);
    backoff.forget('a');
    expect(backoff.next('a')).toBe(1000);
  });
});

describe('work queue', () => {
  it('runs one reconcile at a time with concurrency 1', async () => {
    let active = 0;
    let maxActive = 0;
    const handled: string[] = [];
    const queue = new WorkQueue(
      async (key) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        handled.push(key);
        active--;
        return {};
      },
      { concurrency: 1, baseMs: 10, maxMs: 100, onError: () => {} },
    );
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await queue.idle();
    expect(maxActive).toBe(1);
    expect(handled).toEqual(['a', 'b', 'c', 'd']);
    queue.close();
  });

  it('runs keys in parallel with concurrency 2', async () => {
    let active = 0;
    let maxActive = 0;
    const queue = new WorkQueue(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return {};
      },
      { concurrency: 2, baseMs: 10, maxMs: 100, onError: () => {} },
    );
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await queue.idle();
    expect(maxActive).toBe(2);
    queue.close();
  });

  it('collapses duplicate adds of a waiting key', async () => {
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = new WorkQueue(
      async (key) => {
        if (key === 'first') await gate;
        handled.push(key);
        return {};
      },
      { concurrency: 1, baseMs: 10, maxMs: 100, onError: () => {} },
    );
    queue.add('first');
    queue.add('x');
    queue.add('x');
    queue.add('x');
    release();
    await queue.idle();
    expect(handled).toEqual(['first', 'x']);
    queue.close();
  });

  it('runs a key again when added during its reconcile', async () => {
    let runs = 0;
    const queue = new WorkQueue(
      async (key) => {
        runs++;
        if (runs === 1) queue.add(key);
        return {};
      },
      { concurrency: 1, baseMs: 10, maxMs: 100, onError: () => {} },
    );
    queue.add('k');
    await queue.idle();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await queue.idle();
    expect(runs).toBe(2);
    queue.close();
  });

  it('requeues a failed key with growing delays', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const queue = new WorkQueue(
      async () => {
        attempts++;
        if (attempts <= 3) throw new Error('vault down');
        return {};
      },
      {
        concurrency: 1,
        baseMs: 5,
        maxMs: 1000,
        onError: (_key, _error, retryInMs) => delays.push(retryInMs),
      },
    );
    queue.add('k');
    const deadline = Date.now() + 5000;
    while (attempts < 4 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(attempts).toBe(4);
    expect(delays).toEqual([5, 10, 20]);
    expect(queue.failures('k')).toBe(0);
    queue.close();
  });
});
