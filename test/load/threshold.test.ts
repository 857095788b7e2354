import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../lab/core/errors.ts';
import { evaluateThresholds, type MetricValues, parseThreshold } from '../../lab/load/threshold.ts';

function values(overrides: Partial<MetricValues> = {}): MetricValues {
  return {
    durationAtPercentile: (percentile) => percentile * 2,
    durationAvg: 40,
    durationMin: 1,
    durationMax: 300,
    requests: 1000,
    failed: 2,
    dropped: 5,
    seconds: 10,
    ...overrides,
  };
}

describe('thresholds in k6 syntax', () => {
  it.each([
    { key: 'http_req_duration', expression: 'p(99)<250', actual: 198, passed: true },
    { key: 'http_req_duration', expression: 'p(99.9) <= 199', actual: 199.8, passed: false },
    { key: 'http_req_duration', expression: 'med<100', actual: 100, passed: false },
    { key: 'http_req_duration', expression: 'avg<=40', actual: 40, passed: true },
    { key: 'http_req_duration', expression: 'max<250', actual: 300, passed: false },
    { key: 'http_req_duration', expression: 'min>0', actual: 1, passed: true },
    { key: 'http_req_failed', expression: 'rate<0.001', actual: 0.002, passed: false },
    { key: 'http_req_failed', expression: 'rate<0.01', actual: 0.002, passed: true },
    { key: 'http_reqs', expression: 'count>=1000', actual: 1000, passed: true },
    { key: 'http_reqs', expression: 'rate>99', actual: 100, passed: true },
    { key: 'dropped_iterations', expression: 'count==0', actual: 5, passed: false },
    { key: 'dropped_iterations', expression: 'count!=0', actual: 5, passed: true },
  ])('$key $expression', ({ key, expression, actual, passed }) => {
    const [result] = evaluateThresholds([parseThreshold(key, expression)], values(), new Map());

    expect(result!.actual).toBe(actual);
    expect(result!.passed).toBe(passed);
    expect(result!.window).toBe('overall');
  });

  it.each([
    {
      key: 'http_req_latency',
      expression: 'p(99)<1',
      message: 'invalid threshold metric "http_req_latency"',
    },
    { key: 'http_req_duration', expression: 'p99<250', message: 'invalid threshold "p99<250"' },
    { key: 'http_req_duration', expression: 'rate<0.1', message: 'http_req_duration has no rate' },
    { key: 'http_req_failed', expression: 'p(99)<1', message: 'http_req_failed has no p' },
    { key: 'http_req_duration', expression: 'p(101)<1', message: 'percentile 101 is over 100' },
    {
      key: 'http_req_duration{status:200}',
      expression: 'p(99)<1',
      message: 'invalid threshold selector',
    },
    {
      key: 'http_req_duration{window:}',
      expression: 'p(99)<1',
      message: 'invalid threshold selector',
    },
  ])('rejects $key $expression', ({ key, expression, message }) => {
    expect(() => parseThreshold(key, expression)).toThrow(message);
  });

  it.each([
    { expression: 'p(101)<250', percentile: 101 },
    { expression: 'p(100.5) < 250', percentile: 100.5 },
  ])('rejects percentile over 100: $expression', ({ expression, percentile }) => {
    let error: unknown;
    try {
      parseThreshold('http_req_duration', expression);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toBe(
      `invalid threshold "${expression}" for http_req_duration: percentile ${percentile} is over 100`,
    );
    expect((error as InvalidInputError).hint).toBe(
      'use a percentile from 0 to 100, for example p(99) or p(99.9)',
    );
  });

  it.each(['p(0)<1', 'p(100)<900', 'p(99.99)<500'])('accepts percentile bound %s', (expression) => {
    expect(parseThreshold('http_req_duration', expression).percentile).toBe(
      Number(/p\((.*)\)/.exec(expression)![1]),
    );
  });

  it('evaluates a window selector only in its window', () => {
    const windows = new Map([
      ['before', values({ failed: 0 })],
      ['during', values({ failed: 50 })],
    ]);
    const results = evaluateThresholds(
      [parseThreshold('http_req_failed{window:during}', 'rate<0.01')],
      values(),
      windows,
    );

    expect(results).toEqual([
      {
        metric: 'http_req_failed{window:during}',
        expression: 'rate<0.01',
        window: 'during',
        passed: false,
        actual: 0.05,
      },
    ]);
  });

  it('fails a window selector whose window was never marked', () => {
    const results = evaluateThresholds(
      [parseThreshold('http_req_failed{window:during}', 'rate<0.01')],
      values(),
      new Map(),
    );

    expect(results[0]!.passed).toBe(false);
    expect(results[0]!.actual).toBeNaN();
  });

  it('evaluates a plain threshold overall and in every window', () => {
    const windows = new Map([
      ['before', values({ failed: 0 })],
      ['during', values({ failed: 50 })],
    ]);
    const results = evaluateThresholds(
      [parseThreshold('http_req_failed', 'rate<0.01')],
      values(),
      windows,
    );

    expect(results.map((result) => [result.window, result.passed])).toEqual([
      ['overall', true],
      ['before', true],
      ['during', false],
    ]);
  });
});
