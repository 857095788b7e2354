/**
 * A documented subset of Go text/template with sprig functions, the syntax of
 * ESO's template engine v2 (pkg/template/v2 in external-secrets, which runs
 * with `missingkey=error`). The data is the map of fetched secret values as
 * strings, so `{{ .password }}` prints the value of key `password`.
 *
 * Supported: text and `{{ }}` actions, `{{-` and `-}}` whitespace trimming,
 * `{{/* comment *\/}}`, operands `.`, `.key`, `"string"`, `` `raw` ``,
 * integers, `true`/`false` and `( pipeline )`, and pipelines `a | f x`
 * (the value on the left becomes the last argument). Functions: b64enc,
 * b64dec, upper, lower, title, trim, trimPrefix, trimSuffix, trimAll, quote,
 * squote, replace, printf, print, index, get, default, toString, toJson,
 * fromJson, indent, nindent, cat, contains, hasPrefix, hasSuffix, sha256sum,
 * urlquery, len, join, split (sprig's, a map), list.
 * Not supported: if, range, with, define, block, variables and comparisons;
 * they fail with a parse error that names the construct.
 */
import { createHash } from 'node:crypto';

type Value = unknown;
type TemplateFunction = (...args: Value[]) => Value;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

interface TextNode {
  kind: 'text';
  text: string;
}

interface ActionNode {
  kind: 'action';
  pipeline: Command[];
  source: string;
}

type Command = Operand[];

type Operand =
  | { kind: 'field'; path: string[] }
  | { kind: 'literal'; value: Value }
  | { kind: 'identifier'; name: string }
  | { kind: 'pipeline'; pipeline: Command[] };

const UNSUPPORTED = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'block',
  'template',
  'break',
  'continue',
]);

/** Parses and runs `source` against `data`; `name` appears in error messages as Go's template name. */
export function executeTemplate(
  name: string,
  source: string,
  data: Record<string, string>,
): string {
  const nodes = parseTemplate(name, source);
  let output = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      output += node.text;
      continue;
    }
    const value = runPipeline(name, node, node.pipeline, data);
    output += printValue(value);
  }
  return output;
}

/** Parses without running, so a template error shows before any data is fetched. */
export function parseTemplate(name: string, source: string): Array<TextNode | ActionNode> {
  const nodes: Array<TextNode | ActionNode> = [];
  let position = 0;
  while (position < source.length) {
    const open = source.indexOf('{{', position);
    if (open < 0) {
      nodes.push({ kind: 'text', text: source.slice(position) });
      break;
    }
    const close = findClose(source, open + 2);
    if (close < 0) throw new TemplateError(`template: ${name}: unclosed action`);
    let text = source.slice(position, open);
    let body = source.slice(open + 2, close);
    if (body.startsWith('- ') || body === '-') {
      text = text.replace(/\s+$/, '');
      body = body.slice(1);
    }
    let trimAfter = false;
    if (body.endsWith(' -')) {
      trimAfter = true;
      body = body.slice(0, -1);
    }
    if (text) nodes.push({ kind: 'text', text });
    const trimmed = body.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) {
      nodes.push({
        kind: 'action',
        pipeline: parsePipeline(name, tokenize(name, trimmed), trimmed),
        source: trimmed,
      });
    }
    position = close + 2;
    if (trimAfter) {
      while (position < source.length && /\s/.test(source[position]!)) position++;
    }
  }
  return nodes;
}

function findClose(source: string, from: number): number {
  let quote = '';
  for (let i = from; i < source.length - 1; i++) {
    const char = source[i]!;
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = '';
      continue;
    }
    if (char === '"' || char === '`') quote = char;
    else if (char === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

function tokenize(name: string, body: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < body.length) {
    const char = body[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '|' || char === '(' || char === ')') {
      tokens.push(char);
      i++;
    } else if (char === '"' || char === '`') {
      let j = i + 1;
      while (j < body.length && body[j] !== char) j += body[j] === '\\' && char === '"' ? 2 : 1;
      if (j >= body.length)
        throw new TemplateError(`template: ${name}: unterminated quoted string in "${body}"`);
      tokens.push(body.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < body.length && !/[\s|()]/.test(body[j]!)) j++;
      tokens.push(body.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function parsePipeline(name: string, tokens: string[], source: string): Command[] {
  const [pipeline, rest] = parseCommands(name, tokens, 0, source);
  if (rest !== tokens.length)
    throw new TemplateError(`template: ${name}: unexpected ")" in "${source}"`);
  if (pipeline.length === 0)
    throw new TemplateError(`template: ${name}: missing value for command`);
  return pipeline;
}

function parseCommands(
  name: string,
  tokens: string[],
  start: number,
  source: string,
): [Command[], number] {
  const commands: Command[] = [];
  let command: Command = [];
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token === ')') break;
    if (token === '|') {
      if (command.length === 0)
        throw new TemplateError(`template: ${name}: missing command before "|" in "${source}"`);
      commands.push(command);
      command = [];
      i++;
      continue;
    }
    if (token === '(') {
      const [inner, next] = parseCommands(name, tokens, i + 1, source);
      if (tokens[next] !== ')')
        throw new TemplateError(`template: ${name}: unclosed left paren in "${source}"`);
      command.push({ kind: 'pipeline', pipeline: inner });
      i = next + 1;
      continue;
    }
    command.push(parseOperand(name, token, source));
    i++;
  }
  if (command.length > 0) commands.push(command);
  return [commands, i];
}

function parseOperand(name: string, token: string, source: string): Operand {
  if (token === '.') return { kind: 'field', path: [] };
  if (token.startsWith('.')) return { kind: 'field', path: token.slice(1).split('.') };
  if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) as string };
  if (token.startsWith('`')) return { kind: 'literal', value: token.slice(1, -1) };
  if (/^-?\d+$/.test(token)) return { kind: 'literal', value: Number(token) };
  if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
  if (token === 'nil') return { kind: 'literal', value: undefined };
  if (token.startsWith('$') || token.includes(':=') || token === '=') {
    throw new TemplateError(
      `template: ${name}: variables are not supported by the embedded controller: "${source}"`,
    );
  }
  if (UNSUPPORTED.has(token)) {
    throw new TemplateError(
      `template: ${name}: "${token}" is not supported by the embedded controller; use functions and pipelines only`,
    );
  }
  if (!Object.hasOwn(FUNCTIONS, token))
    throw new TemplateError(`template: ${name}: function "${token}" not defined`);
  return { kind: 'identifier', name: token };
}

function runPipeline(
  name: string,
  node: ActionNode,
  pipeline: Command[],
  data: Record<string, string>,
): Value {
  let previous: Value;
  let hasPrevious = false;
  for (const command of pipeline) {
    const args = command.slice(1).map((operand) => evaluate(name, node, operand, data));
    if (hasPrevious) args.push(previous);
    const head = command[0]!;
    if (head.kind === 'identifier') {
      try {
        previous = FUNCTIONS[head.name]!(...args);
      } catch (error) {
        throw new TemplateError(
          `template: ${name}: executing "${name}" at <${head.name}>: error calling ${head.name}: ${(error as Error).message}`,
        );
      }
    } else {
      if (args.length > 0) {
        throw new TemplateError(
          `template: ${name}: executing "${name}" at <${node.source}>: can't give argument to non-function`,
        );
      }
      previous = evaluate(name, node, head, data);
    }
    hasPrevious = true;
  }
  return previous;
}

function evaluate(
  name: string,
  node: ActionNode,
  operand: Operand,
  data: Record<string, string>,
): Value {
  switch (operand.kind) {
    case 'literal':
      return operand.value;
    case 'pipeline':
      return runPipeline(name, node, operand.pipeline, data);
    case 'identifier':
      return FUNCTIONS[operand.name]!();
    case 'field': {
      let current: Value = data;
      for (const part of operand.path) {
        if (current === null || typeof current !== 'object' || !(part in (current as object))) {
          throw new TemplateError(
            `template: ${name}: executing "${name}" at <.${operand.path.join('.')}>: map has no entry for key "${part}"`,
          );
        }
        current = (current as Record<string, Value>)[part];
      }
      return current;
    }
  }
}

function printValue(value: Value): string {
  if (value === undefined || value === null) return '<no value>';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function text(value: Value): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const FUNCTIONS: Record<string, TemplateFunction> = {
  b64enc: (value) => Buffer.from(text(value), 'utf8').toString('base64'),
  b64dec: (value) => Buffer.from(text(value), 'base64').toString('utf8'),
  upper: (value) => text(value).toUpperCase(),
  lower: (value) => text(value).toLowerCase(),
  title: (value) => text(value).replace(/\b\w/g, (char) => char.toUpperCase()),
  trim: (value) => text(value).trim(),
  trimPrefix: (prefix, value) =>
    text(value).startsWith(text(prefix)) ? text(value).slice(text(prefix).length) : text(value),
  trimSuffix: (suffix, value) =>
    text(suffix) && text(value).endsWith(text(suffix))
      ? text(value).slice(0, -text(suffix).length)
      : text(value),
  trimAll: (cutset, value) => {
    const chars = new Set(text(cutset));
    let result = text(value);
    while (result && chars.has(result[0]!)) result = result.slice(1);
    while (result && chars.has(result[result.length - 1]!)) result = result.slice(0, -1);
    return result;
  },
  quote: (...values) => values.map((value) => JSON.stringify(text(value))).join(' '),
  squote: (...values) => values.map((value) => `'${text(value)}'`).join(' '),
  replace: (from, to, value) => text(value).split(text(from)).join(text(to)),
  printf: (format, ...args) => formatPrintf(text(format), args),
  print: (...args) => args.map(text).join(''),
  index: (collection, ...keys) => keys.reduce(indexOne, collection),
  get: (collection, key) => indexOne(collection, key) ?? '',
  default: (fallback, value) =>
    value === undefined || value === null || value === '' ? fallback : value,
  toString: (value: Value) => text(value),
  toJson: (value) => JSON.stringify(value),
  fromJson: (value) => {
    try {
      return JSON.parse(text(value)) as Value;
    } catch {
      return {};
    }
  },
  indent: (spaces, value) => indentText(Number(spaces), text(value)),
  nindent: (spaces, value) => `\n${indentText(Number(spaces), text(value))}`,
  cat: (...values) =>
    values
      .filter((value) => value !== undefined && value !== null)
      .map(text)
      .join(' '),
  contains: (needle, value) => text(value).includes(text(needle)),
  hasPrefix: (prefix, value) => text(value).startsWith(text(prefix)),
  hasSuffix: (suffix, value) => text(value).endsWith(text(suffix)),
  sha256sum: (value) => createHash('sha256').update(text(value), 'utf8').digest('hex'),
  urlquery: (...values) => encodeURIComponent(values.map(text).join('')),
  len: (value) =>
    typeof value === 'string' || Array.isArray(value)
      ? value.length
      : Object.keys(value ?? {}).length,
  join: (separator, list) =>
    Array.isArray(list) ? list.map(text).join(text(separator)) : text(list),
  split: (separator, value) =>
    Object.fromEntries(
      text(value)
        .split(text(separator))
        .map((part, i) => [`_${i}`, part]),
    ),
  list: (...values) => values,
};

function indexOne(collection: Value, key: Value): Value {
  if (collection === null || typeof collection !== 'object')
    throw new Error(`cannot index ${typeof collection} with ${text(key)}`);
  if (Array.isArray(collection)) {
    const position = Number(key);
    if (!Number.isInteger(position) || position < 0 || position >= collection.length) {
      throw new Error(`index out of range: ${text(key)}`);
    }
    return collection[position];
  }
  const map = collection as Record<string, Value>;
  return map[text(key)];
}

function indentText(spaces: number, value: string): string {
  const pad = ' '.repeat(Math.max(0, spaces));
  return value
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

/** Formats with the `%s %d %v %q %%` verbs of Go's fmt. */
function formatPrintf(format: string, args: Value[]): string {
  let next = 0;
  return format.replace(/%([sdvq%])/g, (_match, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const value = args[next++];
    if (verb === 'q') return JSON.stringify(text(value));
    if (verb === 'd')
      return typeof value === 'number' ? String(Math.trunc(value)) : `%!d(string=${text(value)})`;
    return text(value);
  });
}
