/**
 * A zod schema of `run.json` (the `RunRecord` of run/record.ts), so
 * `lab report` rejects a damaged or foreign file with the field path and the
 * rule before rendering anything. Unknown fields are kept, so a newer writer
 * may add fields without breaking this reader (docs/run-json.md).
 */
import { z } from 'zod';
import { BASECAMP_KINDS } from '../basecamp/types.ts';
import { PHASES, RUN_RECORD_VERSION, type RunRecord } from '../run/record.ts';

const RUN_STATUSES = ['running', 'passed', 'failed', 'interrupted', 'timedout', 'errored'] as const;
const ERROR_KINDS = [
  'connect-timeout',
  'refused',
  'reset',
  'timeout',
  'http-5xx',
  'http-4xx',
  'other',
] as const;
const PROPAGATION_EVENTS = [
  'rotation-started',
  'vault-rotated',
  'secret-updated',
  'file-visible',
  'new-credential-served',
  'old-credential-rejected',
  'rollout-complete',
] as const;

const time = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an RFC 3339 time');
const milliseconds = z.number().finite();
/**
 * A statistic over samples that may be empty: the load code computes NaN
 * for a window without requests, and JSON.stringify writes NaN as null.
 * Reading turns null back into NaN, which reports show as `n/a`.
 */
const statistic = z
  .number()
  .nullable()
  .transform((value) => value ?? Number.NaN);
const phase = z.enum(PHASES as [string, ...string[]]);

const score = z.looseObject({ earned: z.number(), possible: z.number(), percent: z.number() });
const docLink = z.looseObject({ path: z.string().min(1), anchor: z.string().min(1).optional() });

const timelineEntry = z.looseObject({
  time,
  offsetMs: milliseconds,
  phase,
  kind: z.enum(['step.start', 'step.end', 'observation', 'mark']),
  name: z.string(),
  status: z.string().optional(),
  message: z.string().optional(),
});

const observation = z.looseObject({
  time,
  offsetMs: milliseconds,
  phase,
  probe: z.string(),
  ok: z.boolean(),
  message: z.string(),
});

const check = z.looseObject({
  id: z.string().min(1),
  title: z.string(),
  phase,
  weight: z.number().nonnegative(),
  required: z.boolean(),
  passed: z.boolean(),
  message: z.string(),
  runbook: docLink.optional(),
  adr: docLink.optional(),
});

const latencyStats = {
  requests: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative().optional(),
  byErrorKind: z.partialRecord(z.enum(ERROR_KINDS), z.number().int().nonnegative()),
  p50: statistic,
  p90: statistic,
  p99: statistic,
  max: statistic,
  rps: statistic,
};

const load = z.looseObject({
  engine: z.enum(['builtin', 'k6']),
  target: z.string(),
  rate: z.number().positive(),
  startedAt: time.optional(),
  durationMs: milliseconds.nonnegative(),
  overall: z.looseObject(latencyStats),
  windows: z.array(
    z.looseObject({
      ...latencyStats,
      name: z.string(),
      startMs: milliseconds,
      endMs: milliseconds,
    }),
  ),
  series: z.array(
    z.looseObject({
      second: z.number().int().nonnegative(),
      requests: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      p50: statistic,
      p99: statistic,
      max: statistic,
    }),
  ),
  thresholds: z.array(
    z.looseObject({
      metric: z.string(),
      expression: z.string(),
      window: z.string(),
      passed: z.boolean(),
      actual: statistic,
    }),
  ),
});

const rotation = z.looseObject({
  strategy: z.string(),
  startedAt: time,
  endedAt: time.optional(),
  propagation: z.array(
    z.looseObject({
      name: z.enum(PROPAGATION_EVENTS),
      time,
      afterMs: milliseconds,
      detail: z.string().optional(),
    }),
  ),
  zeroDowntime: z.boolean(),
  verdict: z.string(),
  failureWindowMs: milliseconds.nonnegative().optional(),
});

const scenario = z.looseObject({
  name: z.string().min(1),
  title: z.string(),
  file: z.string(),
  runbook: docLink.optional(),
  adrs: z.array(docLink),
  seed: z.number().int(),
  status: z.enum([...RUN_STATUSES, 'skipped']),
  startedAt: time,
  endedAt: time.optional(),
  durationMs: milliseconds.optional(),
  fault: z
    .looseObject({
      type: z.string(),
      variant: z.string().optional(),
      targets: z.record(z.string(), z.string()),
      params: z.record(z.string(), z.unknown()),
      injectedAt: time.optional(),
      revertedAt: time.optional(),
    })
    .optional(),
  detection: z
    .looseObject({ at: time, afterMs: milliseconds, probe: z.string(), message: z.string() })
    .optional(),
  recovery: z.looseObject({ at: time, afterMs: milliseconds }).optional(),
  timeline: z.array(timelineEntry),
  observations: z.array(observation),
  checks: z.array(check),
  load: load.optional(),
  rotation: rotation.optional(),
  score,
  error: z.string().optional(),
});

export const runRecordSchema = z.looseObject({
  schemaVersion: z.literal(RUN_RECORD_VERSION),
  runId: z.string().min(1),
  status: z.enum(RUN_STATUSES),
  startedAt: time,
  endedAt: time.optional(),
  durationMs: milliseconds.optional(),
  argv: z.array(z.string()),
  basecamp: z.looseObject({
    kind: z.enum(BASECAMP_KINDS as [string, ...string[]]),
    endpoints: z.record(z.string(), z.string()),
  }),
  environment: z.looseObject({
    node: z.string(),
    platform: z.string(),
    cpus: z.number().int().nonnegative(),
    memoryBytes: z.number().nonnegative(),
    tools: z.record(z.string(), z.string().nullable()),
  }),
  scenarios: z.array(scenario),
  score,
});

/** Parses and checks a run record; the error lists every problem with its field path. */
export function parseRunRecord(value: unknown): { record: RunRecord } | { problems: string[] } {
  const result = runRecordSchema.safeParse(value);
  if (result.success) return { record: result.data as unknown as RunRecord };
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
    return `${where}: ${issue.message}`;
  });
  return { problems };
}
