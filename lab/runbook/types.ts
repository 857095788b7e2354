/**
 * Runbooks as data. A runbook is a markdown file under `runbooks/`; each
 * `##` heading is a section (one cause or procedure), and each section has
 * the five `###` parts below. Executable commands are fenced blocks whose
 * info string carries `{lab=<kind> ...}` attributes (see docs/runbook-format.md).
 */

export type StepKind = 'diagnose' | 'fix' | 'verify' | 'example';

export const STEP_KINDS: readonly StepKind[] = ['diagnose', 'fix', 'verify', 'example'];

export type SectionPart = 'symptoms' | 'diagnosis' | 'fix' | 'verification' | 'prevention';

export const SECTION_PARTS: readonly SectionPart[] = [
  'symptoms',
  'diagnosis',
  'fix',
  'verification',
  'prevention',
];

export interface RunbookStep {
  kind: StepKind;
  /** The fence's language, for example `sh`. */
  language: string;
  command: string;
  /** Regular expression (JavaScript syntax) the output must match. */
  expect?: string;
  /** Regular expression the output must not match. */
  expectNot?: string;
  /** Re-run the step until it passes, for up to this many milliseconds. */
  retryMs?: number;
  /** Kill the command after this many milliseconds. */
  timeoutMs: number;
  /** Commands that must be on PATH, or the step is skipped (for example `vault`). */
  requires: string[];
  /** The part of the section the block sits in. */
  part: SectionPart | null;
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export interface RunbookSection {
  file: string;
  title: string;
  anchor: string;
  line: number;
  /**
   * The scenarios whose fault this section diagnoses and fixes, from
   * `<!-- lab: scenario=NAME[,NAME...] -->` under the heading.
   */
  scenarios: string[];
  /** Line of each `###` part heading that is present. */
  parts: Partial<Record<SectionPart, number>>;
  steps: RunbookStep[];
}

export interface RunbookLink {
  /** The link target as written. */
  target: string;
  line: number;
}

export interface Runbook {
  file: string;
  title: string;
  sections: RunbookSection[];
  links: RunbookLink[];
  /** Fenced blocks without a valid `lab=` annotation, and bad attributes. */
  problems: Array<{ line: number; message: string }>;
}
