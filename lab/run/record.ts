/**
 * The run record: `reports/<run-id>/run.json`, written as the run goes so a
 * crash leaves a valid partial record. Reports, JUnit and `lab report` are
 * rendered from this file alone. Bump RUN_RECORD_VERSION on any change that
 * breaks a reader, and document the fields in docs/run-json.md.
 */
import type { BasecampKind } from '../basecamp/types.ts';

export const RUN_RECORD_VERSION = 1 as const;

export type RunStatus = 'running' | 'passed' | 'failed' | 'interrupted' | 'timedout' | 'errored';

export type ScenarioStatus = RunStatus | 'skipped';

/** The phases of a scenario, in the order the runner goes through them. */
export type Phase =
  | 'setup'
  | 'steady-state'
  | 'fault'
  | 'symptoms'
  | 'remediation'
  | 'recovery'
  | 'rotation'
  | 'teardown';

export const PHASES: readonly Phase[] = [
  'setup',
  'steady-state',
  'fault',
  'symptoms',
  'remediation',
  'recovery',
  'rotation',
  'teardown',
];

export interface Score {
  earned: number;
  possible: number;
  /** 0 to 100, rounded to one decimal. */
  percent: number;
}

export interface DocLink {
  /** Path from the project root, for example `runbooks/eso-sync-failing.md`. */
  path: string;
  /** Heading anchor without `#`, or undefined for the whole document. */
  anchor?: string;
}

export interface TimelineEntry {
  time: string;
  /** Milliseconds since the scenario started. */
  offsetMs: number;
  phase: Phase;
  kind: 'step.start' | 'step.end' | 'observation' | 'mark';
  name: string;
  status?: string;
  message?: string;
}

export interface Observation {
  time: string;
  offsetMs: number;
  phase: Phase;
  probe: string;
  ok: boolean;
  /** The probe's observation, redacted: a condition message, an event, a status code. */
  message: string;
}

export interface CheckResult {
  id: string;
  title: string;
  phase: Phase;
  weight: number;
  required: boolean;
  passed: boolean;
  /** The reason it passed or failed, quoting the observed text. */
  message: string;
  runbook?: DocLink;
  adr?: DocLink;
}

export type LoadErrorKind = 'connect-timeout' | 'refused' | 'reset' | 'timeout' | 'http-5xx' | 'http-4xx' | 'other';

export interface LatencyStats {
  requests: number;
  failed: number;
  /**
   * Arrivals never sent because the in-flight cap was reached (k6 calls them
   * dropped_iterations). Not counted in `requests` or `failed`.
   */
  dropped?: number;
  byErrorKind: Partial<Record<LoadErrorKind, number>>;
  /** Milliseconds, measured from the scheduled send time. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Requests completed per second over the window. */
  rps: number;
}

export interface LoadWindow extends LatencyStats {
  name: string;
  /** Milliseconds since the load started. */
  startMs: number;
  endMs: number;
}

export interface LoadSecond {
  /** Whole seconds since the load started. */
  second: number;
  requests: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  /** `overall` or a window name such as `during-rotation`. */
  window: string;
  passed: boolean;
  actual: number;
}

export interface LoadSummary {
  engine: 'builtin' | 'k6';
  target: string;
  /** Requests per second asked for. */
  rate: number;
  /** RFC 3339 time the first request was scheduled; charts place faults and rotations by it. */
  startedAt?: string;
  durationMs: number;
  overall: LatencyStats;
  windows: LoadWindow[];
  series: LoadSecond[];
  thresholds: ThresholdResult[];
}

export type PropagationEventName =
  | 'rotation-started'
  | 'vault-rotated'
  | 'secret-updated'
  | 'file-visible'
  | 'new-credential-served'
  | 'old-credential-rejected'
  | 'rollout-complete';

export interface PropagationEvent {
  name: PropagationEventName;
  time: string;
  /** Milliseconds since `rotation-started`. */
  afterMs: number;
  detail?: string;
}

export interface RotationRecord {
  strategy: string;
  startedAt: string;
  endedAt?: string;
  propagation: PropagationEvent[];
  zeroDowntime: boolean;
  /** The reason zero downtime was or was not met, in one sentence. */
  verdict: string;
  /**
   * Milliseconds from the first to the last second of the rotation window
   * with a failed request, at one-second resolution; absent without failures.
   */
  failureWindowMs?: number;
}

export interface FaultRecord {
  type: string;
  variant?: string;
  /** Resolved targets, for example `{ externalSecret: "basecamp/app-db" }`. */
  targets: Record<string, string>;
  params: Record<string, unknown>;
  injectedAt?: string;
  revertedAt?: string;
}

export interface ScenarioRecord {
  name: string;
  title: string;
  file: string;
  runbook?: DocLink;
  adrs: DocLink[];
  seed: number;
  status: ScenarioStatus;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  fault?: FaultRecord;
  /** When the expected symptom was first seen, with the message quoted. */
  detection?: { at: string; afterMs: number; probe: string; message: string };
  /** When recovery probes first all passed after remediation began. */
  recovery?: { at: string; afterMs: number };
  timeline: TimelineEntry[];
  observations: Observation[];
  checks: CheckResult[];
  load?: LoadSummary;
  rotation?: RotationRecord;
  score: Score;
  error?: string;
}

export interface RunRecord {
  schemaVersion: typeof RUN_RECORD_VERSION;
  runId: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  /** The command line, as typed. */
  argv: string[];
  basecamp: {
    kind: BasecampKind;
    /** Addresses only; no token or password. */
    endpoints: Record<string, string>;
  };
  environment: {
    node: string;
    platform: string;
    cpus: number;
    memoryBytes: number;
    tools: Record<string, string | null>;
  };
  scenarios: ScenarioRecord[];
  score: Score;
}
