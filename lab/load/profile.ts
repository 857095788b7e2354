/**
 * A load profile: what to send, at what arrival rate, for how long, and the
 * thresholds the run must meet. The same profile drives the built-in engine
 * and the generated k6 script, so both engines measure the same load.
 */
import { z } from 'zod';
import { isDuration, parseDuration } from '../core/duration.ts';
import { InvalidInputError } from '../core/errors.ts';
import { parseThreshold } from './threshold.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** One stage of a ramping arrival rate: the rate moves linearly to `target` over `durationMs`. */
export interface RampStage {
  /** Requests per second at the end of the stage. */
  target: number;
  durationMs: number;
}

export interface LoadProfile {
  /** Absolute http:// or https:// URL. */
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string;
  /**
   * Requests per second at the start. With no stages it is the constant
   * arrival rate for `durationMs` and must be above 0.
   */
  rate: number;
  /** Ramping arrival rate (k6's ramping-arrival-rate); empty for a constant rate. */
  stages: RampStage[];
  /** Total run time; with stages, the sum of their durations. */
  durationMs: number;
  /** Requests in flight at most; an arrival that finds the cap reached is dropped and counted. */
  maxInFlight: number;
  /** Per-request deadline from the scheduled send time to the end of the response body. */
  timeoutMs: number;
  /** TCP connect deadline. */
  connectTimeoutMs: number;
  /** k6 threshold syntax: metric (with an optional `{window:NAME}` selector) to expressions. */
  thresholds: Record<string, string[]>;
}

const durationString = z
  .string()
  .refine(isDuration, { message: 'must be a duration such as 500ms, 30s or 1m30s' });

const rateSchema = z.number().min(0).max(1_000_000);

/**
 * The profile as written in a scenario file (`load:` block). Durations are
 * strings as elsewhere in scenario files; `rate` is requests per second.
 */
export const loadProfileSchema = z.strictObject({
  url: z.string().optional(),
  path: z.string().startsWith('/').optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  rate: rateSchema,
  duration: durationString.optional(),
  stages: z
    .array(z.strictObject({ target: z.number().min(0).max(1_000_000), duration: durationString }))
    .default([]),
  maxInFlight: z.number().int().positive().max(100_000).default(200),
  timeout: durationString.default('5s'),
  connectTimeout: durationString.default('2s'),
  thresholds: z.record(z.string(), z.array(z.string())).default({}),
});

export type LoadProfileInput = z.input<typeof loadProfileSchema>;

/**
 * Validates a profile from a scenario or a caller and resolves it against
 * `baseUrl` (the service URL) when it gives a `path` instead of a `url`.
 * Throws InvalidInputError listing every problem at once.
 */
export function resolveLoadProfile(input: unknown, baseUrl?: string): LoadProfile {
  const parsed = loadProfileSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `load.${issue.path.join('.')}: ${issue.message}`,
    );
    throw new InvalidInputError(`invalid load profile: ${problems.join('; ')}`, {
      hint: 'fix the load block; see lab/load/profile.ts for every field and its default',
    });
  }
  const value = parsed.data;
  const url = resolveUrl(value.url, value.path, baseUrl);
  const stages = value.stages.map((stage) => ({
    target: stage.target,
    durationMs: parseDuration(stage.duration),
  }));
  const durationMs = resolveDurationMs(value.duration, stages);
  if (stages.length === 0 && value.rate <= 0) {
    throw new InvalidInputError(
      `invalid load profile: load.rate ${value.rate} must be above 0 for a constant rate`,
      {
        hint: 'set load.rate in requests per second, for example 50, or give load.stages to ramp from 0',
      },
    );
  }
  const profile: LoadProfile = {
    url,
    method: value.method,
    headers: value.headers,
    ...(value.body === undefined ? {} : { body: value.body }),
    rate: value.rate,
    stages,
    durationMs,
    maxInFlight: value.maxInFlight,
    timeoutMs: parseDuration(value.timeout),
    connectTimeoutMs: parseDuration(value.connectTimeout),
    thresholds: value.thresholds,
  };
  validateThresholds(profile.thresholds);
  return profile;
}

function resolveUrl(
  url: string | undefined,
  path: string | undefined,
  baseUrl: string | undefined,
): string {
  if (url !== undefined && path !== undefined) {
    throw new InvalidInputError('invalid load profile: both load.url and load.path are set', {
      hint: 'give load.url for an absolute address or load.path for a path on the service, not both',
    });
  }
  const text =
    url ?? (path !== undefined && baseUrl !== undefined ? new URL(path, baseUrl).href : undefined);
  if (text === undefined) {
    throw new InvalidInputError(
      'invalid load profile: load.url is missing and there is no service URL to resolve load.path against',
      {
        hint: 'set load.url to an absolute http:// or https:// URL',
      },
    );
  }
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(text);
  } catch {
    throw new InvalidInputError(`invalid load profile: load.url "${text}" is not a URL`, {
      hint: 'use an absolute URL such as http://127.0.0.1:30080/',
    });
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
    throw new InvalidInputError(`invalid load profile: load.url "${text}" must use http or https`, {
      hint: 'use an absolute URL such as http://127.0.0.1:30080/',
    });
  }
  return parsedUrl.href;
}

function resolveDurationMs(duration: string | undefined, stages: RampStage[]): number {
  if (stages.length > 0) {
    if (duration !== undefined) {
      throw new InvalidInputError(
        'invalid load profile: load.duration and load.stages are both set',
        {
          hint: 'a ramping profile lasts as long as its stages; remove load.duration',
        },
      );
    }
    return stages.reduce((total, stage) => total + stage.durationMs, 0);
  }
  if (duration === undefined) {
    throw new InvalidInputError('invalid load profile: load.duration is missing', {
      hint: 'set load.duration (for example 30s) or give load.stages',
    });
  }
  const ms = parseDuration(duration);
  if (ms <= 0) {
    throw new InvalidInputError(
      `invalid load profile: load.duration "${duration}" must be longer than 0`,
      {
        hint: 'set load.duration to at least 1s',
      },
    );
  }
  return ms;
}

function validateThresholds(thresholds: Record<string, string[]>): void {
  for (const [metric, expressions] of Object.entries(thresholds)) {
    for (const expression of expressions) parseThreshold(metric, expression);
  }
}
