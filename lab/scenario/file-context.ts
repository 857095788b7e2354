/**
 * One scenario file while it is checked: its parsed YAML, for positions, and
 * the problems found so far. Turns zod issues into problems in the loader's
 * words.
 */
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { type Position, positionOf } from './positions.ts';
import {
  closestName,
  describeReceived,
  formatPath,
  type Problem,
  type ProblemRule,
} from './problem.ts';

type PathPart = string | number;

export interface ProblemDetails {
  at?: 'key' | 'value';
  received?: string;
  suggestion?: string;
}

export class FileContext {
  readonly problems: Problem[] = [];

  constructor(
    readonly file: string,
    readonly document: Document,
    readonly lineCounter: LineCounter,
    readonly raw: unknown,
  ) {}

  /** The line and column of the value at `path` (or of its nearest existing parent). */
  positionOf(path: ReadonlyArray<PathPart>, at: 'key' | 'value' = 'value'): Position {
    return positionOf(this.document, this.lineCounter, path, at);
  }

  /** Records one problem at `path`. */
  add(
    path: ReadonlyArray<PathPart>,
    rule: ProblemRule,
    message: string,
    details: ProblemDetails = {},
  ): void {
    const { line, column } = positionOf(this.document, this.lineCounter, path, details.at);
    const problem: Problem = {
      file: this.file,
      line,
      column,
      path: formatPath(path),
      rule,
      message,
    };
    if (details.received !== undefined) problem.received = details.received;
    if (details.suggestion !== undefined) problem.suggestion = details.suggestion;
    this.problems.push(problem);
  }

  /** The raw value at `path`, or undefined when any part is missing. */
  valueAt(path: ReadonlyArray<PathPart>): unknown {
    let value: unknown = this.raw;
    for (const part of path) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<PathPart, unknown>)[part];
    }
    return value;
  }

  /**
   * Records every issue of a failed zod parse. `prefix` is where the parsed
   * value sits in the file; `schema` is the schema that was parsed, used to
   * suggest known keys for unknown ones. `outerKeys` are keys that sit beside
   * the parsed fields at the top (a block's name field).
   */
  addIssues(
    issues: readonly z.core.$ZodIssue[],
    prefix: ReadonlyArray<PathPart>,
    schema: z.ZodType,
    outerKeys: string[] = [],
  ): void {
    for (const issue of issues) {
      const path = [...prefix, ...(issue.path as PathPart[])];
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeys(schema, issue.path as PathPart[]);
        if (issue.path.length === 0) known.unshift(...outerKeys);
        for (const key of issue.keys) {
          const suggestion = closestName(key, known);
          const message = suggestion
            ? 'unknown key'
            : known.length
              ? `unknown key; known keys here: ${known.join(', ')}`
              : 'unknown key: nothing may be set here';
          this.add(
            [...path, key],
            'unknown-key',
            message,
            suggestion ? { at: 'key', suggestion } : { at: 'key' },
          );
        }
        continue;
      }
      const value = this.valueAt(path);
      if (value === undefined && issue.code === 'invalid_type') {
        const rule = /^must /.test(issue.message)
          ? issue.message
          : `must be ${expectedPhrase(issue.expected)}`;
        this.add(path.slice(0, -1), 'required', `is required and ${rule}`, { at: 'key' });
        this.problems.at(-1)!.path = formatPath(path);
        continue;
      }
      const received = mayHoldSecret(path) ? HIDDEN_VALUE : describeReceived(value);
      const details = received === undefined ? {} : { received };
      this.add(path, ruleOf(issue), messageOf(issue), details);
    }
  }
}

/**
 * Field names whose values may be credentials (an action's `data`, a
 * `password`). Problems on them name the field but not the value, because
 * messages end up in terminals and CI logs.
 */
const SECRET_FIELD = /^(password|passwd|secret|token|privateKey|data|value)$/i;
const HIDDEN_VALUE = 'a value that is not shown because the field may hold a secret';

function mayHoldSecret(path: ReadonlyArray<PathPart>): boolean {
  return path.some((part) => typeof part === 'string' && SECRET_FIELD.test(part));
}

function ruleOf(issue: z.core.$ZodIssue): ProblemRule {
  return issue.code === 'invalid_type' ? 'invalid-type' : 'invalid-value';
}

/** Returns the rule text: the schema's own texts start with "must" or "is", and zod's default messages are reworded from the issue's fields. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (/^(must|is) /.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${expectedPhrase(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `must list at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `must list at most ${issue.maximum} items`
        : `must be at most ${issue.maximum}`;
    case 'invalid_union':
      return 'does not match any of the allowed forms';
    default:
      return issue.message;
  }
}

const EXPECTED_PHRASES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

function expectedPhrase(expected: string): string {
  return EXPECTED_PHRASES[expected] ?? expected;
}

/** Lists the keys a strict object accepts at `path` inside `schema`, for "did you mean". */
export function knownKeys(schema: z.ZodType, path: ReadonlyArray<PathPart>): string[] {
  let current: unknown = schema;
  for (const part of path) {
    current = unwrap(current);
    const def = defOf(current);
    if (def?.type === 'object') current = (def.shape as Record<string, unknown>)[String(part)];
    else if (def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = def.valueType;
    else return [];
  }
  const def = defOf(unwrap(current));
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

interface LooseDef {
  type?: string;
  innerType?: unknown;
  in?: unknown;
  shape?: unknown;
  element?: unknown;
  valueType?: unknown;
}

function defOf(schema: unknown): LooseDef | undefined {
  return (schema as { _zod?: { def?: LooseDef } } | undefined)?._zod?.def;
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    const def = defOf(current);
    if (!def) return current;
    if (
      ['optional', 'default', 'nullable', 'readonly', 'prefault', 'catch', 'nonoptional'].includes(
        def.type ?? '',
      )
    ) {
      current = def.innerType;
    } else if (def.type === 'pipe') {
      current = def.in;
    } else {
      return current;
    }
  }
  return current;
}
