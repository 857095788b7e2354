/**
 * One problem found in a scenario file, with its position, the field path,
 * the rule it broke and the value received. The loader collects every
 * problem of every file before it reports any.
 */

export type ProblemRule =
  | 'yaml-syntax'
  | 'not-a-mapping'
  | 'required'
  | 'invalid-type'
  | 'invalid-value'
  | 'unknown-key'
  | 'unknown-block'
  | 'duplicate-name'
  | 'file-not-found'
  | 'anchor-not-found'
  | 'no-scenario-files';

export interface Problem {
  /** Path as given on the command line or found in a folder, relative to the project root when inside it. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Field path in dot notation with list indexes: `steadyState.probes[0].probe`; empty for the whole file. */
  path: string;
  rule: ProblemRule;
  /** The value found, short and quoted as JSON; undefined when the field is missing. */
  received?: string;
  /** Problem description and fix, without the position. */
  message: string;
  /** The closest known name, for unknown keys and unknown block names. */
  suggestion?: string;
}

/** Formats a problem as `file:line:column: path: message (received X) [rule]`. */
export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const field = problem.path ? `${problem.path}: ` : '';
  const received = problem.received === undefined ? '' : `, received ${problem.received}`;
  const suggestion = problem.suggestion ? `; did you mean "${problem.suggestion}"?` : '';
  return `${where}: ${field}${problem.message}${received}${suggestion} [${problem.rule}]`;
}

/** Renders a path array as `a.b[0].c`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text ? `.${part}` : part;
  }
  return text;
}

const MAX_RECEIVED_LENGTH = 60;

/** Renders a received value for a message: JSON for scalars, a short description for lists and maps. */
export function describeReceived(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_RECEIVED_LENGTH ? `${text.slice(0, MAX_RECEIVED_LENGTH - 3)}...` : text;
}

/**
 * Returns the candidate closest to `name` by edit distance, or undefined when
 * none is close enough (at most a third of the name's length, minimum 2).
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance =
      candidate.toLowerCase() === name.toLowerCase()
        ? 0
        : editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  // table[i][j] is the distance between the first i characters of a and the first j of b.
  const table: number[][] = Array.from({ length: rows }, () => new Array<number>(columns).fill(0));
  for (let i = 0; i < rows; i++) table[i]![0] = i;
  for (let j = 0; j < columns; j++) table[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        table[i - 1]![j]! + 1,
        table[i]![j - 1]! + 1,
        table[i - 1]![j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, table[i - 2]![j - 2]! + 1);
      }
      table[i]![j] = value;
    }
  }
  return table[a.length]![b.length]!;
}
