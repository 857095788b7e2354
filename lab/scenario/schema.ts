/**
 * Scenario format v1: the one schema every scenario file is checked against,
 * and the source of `scenarios/schema.json`. Probe, action, fault and
 * rotation blocks are checked here only for their name field; the loader
 * checks each block's own fields against the ScenarioRegistry afterwards, so
 * this file imports no harness area.
 */
import { z } from 'zod';
import type { BasecampKind } from '../basecamp/types.ts';
import { isDuration } from '../core/duration.ts';

/** The basecamps a scenario may name; the same list as basecamp/types.ts, kept here because scenario/ imports only core. */
export const SCENARIO_BASECAMPS = [
  'embedded',
  'kind',
  'kubeconfig',
] as const satisfies readonly BasecampKind[];

export const API_VERSION = 'basecamp-lab/v1';
export const KIND = 'Scenario';

/** Kubernetes' DNS-1123 label: lower-case letters, digits and `-`, at most 63 characters. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_RULE =
  'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';

/** A project-relative markdown link with a heading anchor: `runbooks/x.md#some-heading`. */
export const DOC_ANCHOR = /^[^#\s]+\.md#[a-z0-9][-a-z0-9_]*$/;

/**
 * A k6 threshold expression: an aggregation, an operator and a number, such
 * as `p(99)<250` or `rate<0.001`. Grammar from grafana/k6
 * metrics/thresholds_parser.go (aggregation methods avg, min, max, med,
 * count, rate, value and p(N); operators >, >=, <=, <, ==, ===, !=).
 */
export const THRESHOLD_EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\(\d+(\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*-?\d+(\.\d+)?\s*$/;

/**
 * Checks the N of a `p(N)` aggregation: k6 reads it as a percentile, so it
 * must be from 0 to 100. An expression without `p(N)` passes.
 */
export function hasPercentileInRange(expression: string): boolean {
  const match = /p\(\s*(\d+(?:\.\d+)?)\s*\)/.exec(expression);
  return match === null || Number(match[1]) <= 100;
}

/** A k6 metric name, optionally with a tag filter: `http_req_duration{window:during-rotation}`. */
export const THRESHOLD_METRIC = /^[a-zA-Z_][a-zA-Z0-9_]*(\{[a-zA-Z0-9_-]+:[^{}]+\})?$/;

export const duration = z
  .string({ error: 'must be a duration string such as 30s or 2m' })
  .refine(isDuration, {
    error: 'must be a duration: a number with a unit (ms, s, m, h), for example 30s, 2m or 1m30s',
  });

const dnsLabel = z
  .string({ error: 'must be a string' })
  .max(63, { error: DNS_LABEL_RULE })
  .regex(DNS_LABEL, { error: DNS_LABEL_RULE });

const docAnchor = z.string().regex(DOC_ANCHOR, {
  error:
    'must be a markdown path with a heading anchor, for example runbooks/eso-sync-failing.md#expired-vault-token',
});

const markdownPath = z.string().regex(/^[^#\s]+\.md$/, {
  error:
    'must be a path to a markdown file from the project root, for example adrs/0002-eso-over-vault-agent-sidecar.md',
});

const relativePath = z.string().regex(/^(?!\/)[^\0]+$/, {
  error: 'must be a path relative to the scenario file',
});

/**
 * Block schemas: the name field only, other fields pass through to the
 * registry check in the loader. `.meta({ id })` names them in schema.json,
 * where the registry's per-name schemas replace them.
 */
export const probeBlock = z.looseObject({ probe: z.string({ error: 'must name a probe' }) }).meta({
  id: 'probe',
  description: 'A probe: `probe` names it, the other fields are its parameters.',
});

export const actionBlock = z
  .looseObject({ action: z.string({ error: 'must name an action' }) })
  .meta({
    id: 'action',
    description: 'An action: `action` names it, the other fields are its parameters.',
  });

export const faultBlock = z
  .looseObject({
    type: z.string({ error: 'must name a fault type' }),
    variant: z.string().optional(),
  })
  .meta({
    id: 'fault',
    description:
      'The fault: `type` names it, `variant` picks one of its variants, the other fields (target, params) are checked by the fault.',
  });

export const rotationBlock = z
  .looseObject({ strategy: z.string({ error: 'must name a rotation strategy' }) })
  .meta({
    id: 'rotation',
    description: 'A rotation: `strategy` names it, the other fields are its parameters.',
  });

export type ProbeBlock = z.output<typeof probeBlock>;
export type ActionBlock = z.output<typeof actionBlock>;
export type FaultBlock = z.output<typeof faultBlock>;
export type RotationBlock = z.output<typeof rotationBlock>;

const probeWindow = z.strictObject({
  within: duration.describe('How long the probes may take to all pass, for example 60s.'),
  interval: duration.optional().describe('Time between two rounds of probes (default 1s).'),
  probes: z.array(probeBlock).min(1, { error: 'must list at least one probe' }),
});

const setup = z.strictObject({
  manifests: z
    .array(relativePath)
    .default([])
    .describe(
      'Kubernetes manifests applied before the steady-state check, relative to the scenario file.',
    ),
  actions: z.array(actionBlock).default([]).describe('Actions run after the manifests, in order.'),
});

const remediation = z
  .strictObject({
    runbook: docAnchor
      .optional()
      .describe('Run the diagnose and fix steps of this runbook section.'),
    actions: z.array(actionBlock).optional().describe('Run these actions, in order.'),
  })
  .refine((value) => value.runbook !== undefined || value.actions !== undefined, {
    error: 'must set runbook or actions',
  });

const thresholds = z.record(
  z.string().regex(THRESHOLD_METRIC, {
    error:
      'must be a k6 metric name such as http_req_duration, optionally with a tag filter {window:during-rotation}',
  }),
  z
    .array(
      z
        .string()
        .regex(THRESHOLD_EXPRESSION, {
          error: 'must be a k6 threshold such as p(99)<250 or rate<0.001',
        })
        .refine(hasPercentileInRange, {
          error: 'must use a percentile from 0 to 100 in p(N), for example p(99)<250 or p(99.9)<500',
        }),
    )
    .min(1, { error: 'must list at least one threshold expression' }),
);

const load = z.strictObject({
  target: z
    .enum(['service'])
    .default('service')
    .describe('What the load is sent to: the sample service.'),
  path: z
    .string()
    .regex(/^\//, { error: 'must start with /' })
    .default('/')
    .describe('HTTP path requested on the target.'),
  method: z.enum(['GET', 'POST']).default('GET'),
  engine: z
    .enum(['auto', 'builtin', 'k6'])
    .default('auto')
    .describe('auto uses k6 when it is on PATH, else the built-in engine.'),
  rate: z
    .number()
    .positive({ error: 'must be a number of requests per second above 0' })
    .describe('Requests per second (constant arrival rate).'),
  stages: z
    .array(
      z.strictObject({
        target: z
          .number()
          .min(0, { error: 'must be a number of requests per second, 0 or more' })
          .describe('Requests per second reached at the end of the stage.'),
        duration,
      }),
    )
    .optional()
    .describe('Ramping arrival rate: the rate moves linearly from rate to each target in turn.'),
  duration: duration
    .optional()
    .describe('How long the load runs at most (with after, it may stop earlier); leave it out with stages.'),
  before: duration
    .default('0s')
    .describe('Time under load before the fault or the rotation, so the window before it has samples.'),
  after: duration
    .optional()
    .describe(
      'Time the load goes on after the rotation or the recovery ends; then it stops, even before duration.',
    ),
  timeout: duration.default('2s').describe('Per-request timeout.'),
  maxInFlight: z
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .default(200)
    .describe('Maximum requests in flight; arrivals beyond it count as dropped.'),
  thresholds: thresholds
    .default({})
    .describe('k6 thresholds by metric, for example http_req_duration: [p(99)<250].'),
}).superRefine((value, context) => {
  const hasStages = (value.stages?.length ?? 0) > 0;
  if (hasStages && value.duration !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['duration'],
      input: value.duration,
      message: 'must be left out when stages are given: a ramping load lasts as long as its stages',
    });
  }
  if (!hasStages && value.duration === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['duration'],
      input: undefined,
      message: 'is required: give duration (for example 30s) or stages',
    });
  }
});

const checkId = z
  .string()
  .regex(DNS_LABEL, { error: 'must be a check id such as detected or no-failed-requests' });

const grade = z
  .strictObject({
    weights: z.record(checkId, z.number().min(0, { error: 'must be 0 or more' })).default({}),
    required: z
      .array(checkId)
      .default([])
      .describe('Checks that must pass for the scenario to pass.'),
  })
  .superRefine((value, context) => {
    value.required.forEach((id, index) => {
      if (!(id in value.weights)) {
        context.addIssue({
          code: 'custom',
          path: ['required', index],
          input: id,
          message: `must be one of the checks listed in grade.weights (${Object.keys(value.weights).join(', ') || 'none'})`,
        });
      }
    });
  });

export const scenarioSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { error: `must be "${API_VERSION}"` }),
    kind: z.literal(KIND, { error: `must be "${KIND}"` }),
    name: dnsLabel.describe('Unique name across all scenario files (a DNS-1123 label).'),
    title: z
      .string()
      .min(1, { error: 'must not be empty' })
      .describe('One line for lists and reports.'),
    description: z.string().min(1, { error: 'must not be empty' }),
    tags: z.array(dnsLabel).default([]),
    runbook: docAnchor.describe(
      'The runbook section that fixes this failure: path#anchor from the project root.',
    ),
    adrs: z
      .array(markdownPath)
      .default([])
      .describe('Architecture decision records that apply, from the project root.'),
    seed: z
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be between 0 and 4294967295' })
      .max(0xffff_ffff, { error: 'must be between 0 and 4294967295' })
      .optional()
      .describe('Seed for every random choice in the run (default: a hash of the name).'),
    timeLimit: duration
      .default('5m')
      .describe('The whole scenario, setup to teardown, must end within this.'),
    basecamps: z
      .array(z.enum(SCENARIO_BASECAMPS))
      .min(1, { error: 'must list at least one basecamp' })
      .default([...SCENARIO_BASECAMPS])
      .describe('Basecamps the scenario can run on.'),
    setup: setup.default({ manifests: [], actions: [] }),
    steadyState: probeWindow.optional().describe('Probes that must all pass before the fault.'),
    fault: faultBlock.optional(),
    symptoms: probeWindow
      .optional()
      .describe('Probes that must all pass once the fault has taken effect.'),
    remediation: remediation.optional(),
    recovery: probeWindow.optional().describe('Probes that must all pass after remediation.'),
    load: load.optional(),
    rotation: rotationBlock.optional(),
    grade: grade.default({ weights: {}, required: [] }),
  })
  .meta({
    title: 'basecamp-lab scenario',
    description: 'A chaos scenario for basecamp-lab (format v1).',
  });

/** A rule between fields, which the schema above cannot express per field. */
export interface CrossFieldProblem {
  path: string[];
  message: string;
}

/**
 * Checks the rules that tie fields together. Runs on the raw parsed YAML so
 * the rules are reported even when other fields are invalid.
 */
export function crossFieldProblems(raw: Record<string, unknown>): CrossFieldProblem[] {
  const has = (key: string) => raw[key] !== undefined && raw[key] !== null;
  const problems: CrossFieldProblem[] = [];
  if (has('fault') && !has('symptoms')) {
    problems.push({
      path: ['symptoms'],
      message: 'is required when fault is set: list the probes that detect the fault',
    });
  }
  if (has('fault') && !has('recovery')) {
    problems.push({
      path: ['recovery'],
      message: 'is required when fault is set: list the probes that show the system recovered',
    });
  }
  if (!has('fault') && has('symptoms')) {
    problems.push({
      path: ['fault'],
      message: 'is required when symptoms is set: symptoms are what the fault causes',
    });
  }
  if (!has('fault') && !has('rotation')) {
    problems.push({
      path: ['fault'],
      message: 'is required unless rotation is set: a scenario injects a fault or rotates a secret',
    });
  }
  return problems;
}

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/**
 * Derives the seed used when a scenario sets none: FNV-1a (32 bit) of its name, so
 * a scenario's random choices stay the same from run to run.
 */
export function defaultSeed(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
