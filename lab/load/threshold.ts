/**
 * Thresholds in k6's syntax: a metric name,
 * optionally narrowed by a `{window:NAME}` selector, mapped to expressions
 * such as `p(99)<250` or `rate<0.001`. Each is evaluated over the whole run
 * and in every window, so one rule covers before, during and after.
 */
import { InvalidInputError } from '../core/errors.ts';
import type { ThresholdResult } from '../run/record.ts';

export type ThresholdMetric =
  | 'http_req_duration'
  | 'http_req_failed'
  | 'http_reqs'
  | 'dropped_iterations';

/** The aggregation an expression reads, as k6 names it. */
export type Aggregation = 'avg' | 'min' | 'max' | 'med' | 'p' | 'rate' | 'count';

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface Threshold {
  /** The key as written, for example `http_req_duration{window:during-rotation}`. */
  key: string;
  metric: ThresholdMetric;
  /** Window named by the selector; undefined means overall and every window. */
  window?: string;
  expression: string;
  aggregation: Aggregation;
  /** The percentile for `p(N)`, 0 to 100. */
  percentile?: number;
  operator: Operator;
  value: number;
}

/** Metric values of one window or of the whole run, as thresholds read them. */
export interface MetricValues {
  /** Milliseconds at the given percentile (0 to 100) of http_req_duration. */
  durationAtPercentile(percentile: number): number;
  durationAvg: number;
  durationMin: number;
  durationMax: number;
  requests: number;
  failed: number;
  dropped: number;
  /** Length of the window in seconds, for counter rates. */
  seconds: number;
}

const AGGREGATIONS: Record<ThresholdMetric, readonly Aggregation[]> = {
  http_req_duration: ['avg', 'min', 'max', 'med', 'p'],
  http_req_failed: ['rate'],
  http_reqs: ['count', 'rate'],
  dropped_iterations: ['count', 'rate'],
};

const KEY_PATTERN = /^([a-z_]+)(?:\{([^}]*)\})?$/;
const EXPRESSION_PATTERN =
  /^\s*(avg|min|max|med|rate|count|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Parses one key and expression; throws InvalidInputError naming both and the rule. */
export function parseThreshold(key: string, expression: string): Threshold {
  const keyMatch = KEY_PATTERN.exec(key);
  const metric = keyMatch?.[1];
  if (!keyMatch || !metric || !(metric in AGGREGATIONS)) {
    throw new InvalidInputError(`invalid threshold metric "${key}"`, {
      hint: `use one of ${Object.keys(AGGREGATIONS).join(', ')}, optionally with {window:NAME}`,
    });
  }
  const window = parseSelector(key, keyMatch[2]);
  const match = EXPRESSION_PATTERN.exec(expression);
  if (!match) {
    throw new InvalidInputError(`invalid threshold "${expression}" for ${key}`, {
      hint: 'write AGGREGATION OPERATOR NUMBER as k6 does, for example p(99)<250 or rate<0.001',
    });
  }
  const aggregation = (match[1]!.startsWith('p(') ? 'p' : match[1]) as Aggregation;
  const allowed = AGGREGATIONS[metric as ThresholdMetric];
  if (!allowed.includes(aggregation)) {
    throw new InvalidInputError(
      `invalid threshold "${expression}" for ${key}: ${metric} has no ${aggregation}`,
      {
        hint: `use one of ${allowed.map((name) => (name === 'p' ? 'p(N)' : name)).join(', ')}`,
      },
    );
  }
  const percentile = match[2] === undefined ? undefined : Number(match[2]);
  if (percentile !== undefined && percentile > 100) {
    throw new InvalidInputError(
      `invalid threshold "${expression}" for ${key}: percentile ${percentile} is over 100`,
      {
        hint: 'use a percentile from 0 to 100, for example p(99) or p(99.9)',
      },
    );
  }
  return {
    key,
    metric: metric as ThresholdMetric,
    ...(window === undefined ? {} : { window }),
    expression,
    aggregation,
    ...(percentile === undefined ? {} : { percentile }),
    operator: match[3] as Operator,
    value: Number(match[4]),
  };
}

function parseSelector(key: string, selector: string | undefined): string | undefined {
  if (selector === undefined) return undefined;
  const [tag, value, ...rest] = selector.split(':');
  if (tag?.trim() !== 'window' || !value?.trim() || rest.length > 0) {
    throw new InvalidInputError(`invalid threshold selector in "${key}"`, {
      hint: 'the only selector is {window:NAME}, for example http_req_duration{window:during-rotation}',
    });
  }
  return value.trim();
}

/** Parses every threshold of a profile. */
export function parseThresholds(thresholds: Record<string, string[]>): Threshold[] {
  return Object.entries(thresholds).flatMap(([key, expressions]) =>
    expressions.map((expression) => parseThreshold(key, expression)),
  );
}

/** Reads the value an expression compares from one window. */
export function aggregate(threshold: Threshold, values: MetricValues): number {
  switch (threshold.aggregation) {
    case 'avg':
      return values.durationAvg;
    case 'min':
      return values.durationMin;
    case 'max':
      return values.durationMax;
    case 'med':
      return values.durationAtPercentile(50);
    case 'p':
      return values.durationAtPercentile(threshold.percentile ?? 0);
    case 'rate':
      return rateOf(threshold.metric, values);
    case 'count':
      return threshold.metric === 'dropped_iterations' ? values.dropped : values.requests;
  }
}

function rateOf(metric: ThresholdMetric, values: MetricValues): number {
  if (metric === 'http_req_failed')
    return values.requests === 0 ? 0 : values.failed / values.requests;
  const count = metric === 'dropped_iterations' ? values.dropped : values.requests;
  return values.seconds <= 0 ? 0 : count / values.seconds;
}

export function compare(actual: number, operator: Operator, expected: number): boolean {
  switch (operator) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '==':
    case '===':
      return actual === expected;
    case '!=':
      return actual !== expected;
  }
}

/**
 * Evaluates each threshold overall and in each window. A threshold with a
 * `{window:NAME}` selector is evaluated only in that window, and fails when
 * the run never marked it, because a missing window means the drill did not
 * measure what it claims.
 */
export function evaluateThresholds(
  thresholds: Threshold[],
  overall: MetricValues,
  windows: ReadonlyMap<string, MetricValues>,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const threshold of thresholds) {
    if (threshold.window !== undefined) {
      const values = windows.get(threshold.window);
      results.push(resultOf(threshold, threshold.window, values));
      continue;
    }
    results.push(resultOf(threshold, 'overall', overall));
    for (const [name, values] of windows) results.push(resultOf(threshold, name, values));
  }
  return results;
}

function resultOf(
  threshold: Threshold,
  window: string,
  values: MetricValues | undefined,
): ThresholdResult {
  if (values === undefined) {
    return {
      metric: threshold.key,
      expression: threshold.expression,
      window,
      passed: false,
      actual: Number.NaN,
    };
  }
  const actual = aggregate(threshold, values);
  return {
    metric: threshold.key,
    expression: threshold.expression,
    window,
    passed: compare(actual, threshold.operator, threshold.value),
    actual: roundTo(actual, 4),
  };
}

function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
