/**
 * The JSONPath subset that CRD printer columns use, as
 * k8s.io/client-go/util/jsonpath evaluates it: `.a.b`, `['a.b']`, `[0]`,
 * `[*]` and filters `[?(@.type=="Ready")]`. Results are joined by spaces.
 */

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; operator: '==' | '!='; value: string };

export function parseJsonPath(expression: string): Step[] {
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (text.startsWith('$')) text = text.slice(1);
  const steps: Step[] = [];
  let position = 0;
  while (position < text.length) {
    const char = text[position];
    if (char === '.') {
      const match = /^\.([^.[\]]+)/.exec(text.slice(position));
      if (!match) throw new Error(`invalid JSONPath ${expression} at position ${position}`);
      steps.push({ kind: 'field', name: match[1] ?? '' });
      position += match[0].length;
      continue;
    }
    if (char === '[') {
      const end = text.indexOf(']', position);
      if (end === -1) throw new Error(`invalid JSONPath ${expression}: unclosed [`);
      steps.push(parseBracket(text.slice(position + 1, end), expression));
      position = end + 1;
      continue;
    }
    throw new Error(`invalid JSONPath ${expression} at position ${position}`);
  }
  return steps;
}

function parseBracket(inner: string, expression: string): Step {
  if (inner === '*') return { kind: 'all' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const quoted = /^'([^']*)'$/.exec(inner) ?? /^"([^"]*)"$/.exec(inner);
  if (quoted) return { kind: 'field', name: quoted[1] ?? '' };
  const filter = /^\?\(@((?:\.[^.=!]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(\S+))\)$/.exec(inner);
  if (filter) {
    return {
      kind: 'filter',
      path: (filter[1] ?? '').split('.').filter(Boolean),
      operator: filter[2] as '==' | '!=',
      value: filter[3] ?? filter[4] ?? filter[5] ?? '',
    };
  }
  throw new Error(`invalid JSONPath ${expression}: unsupported [${inner}]`);
}

/** Evaluates a path and returns every match (an empty array when nothing matches). */
export function evaluateJsonPath(document: unknown, expression: string): unknown[] {
  let current: unknown[] = [document];
  for (const step of parseJsonPath(expression)) {
    const next: unknown[] = [];
    for (const value of current) next.push(...applyStep(value, step));
    current = next;
  }
  return current;
}

function applyStep(value: unknown, step: Step): unknown[] {
  if (value === null || value === undefined) return [];
  switch (step.kind) {
    case 'field': {
      if (typeof value !== 'object' || Array.isArray(value)) return [];
      const child = (value as Record<string, unknown>)[step.name];
      return child === undefined ? [] : [child];
    }
    case 'index': {
      if (!Array.isArray(value)) return [];
      const child = value.at(step.index);
      return child === undefined ? [] : [child];
    }
    case 'all':
      if (Array.isArray(value)) return value;
      return typeof value === 'object' ? Object.values(value as object) : [];
    case 'filter': {
      if (!Array.isArray(value)) return [];
      return value.filter((item) => {
        let field: unknown = item;
        for (const part of step.path)
          field =
            field && typeof field === 'object'
              ? (field as Record<string, unknown>)[part]
              : undefined;
        const text = field === undefined || field === null ? undefined : String(field);
        return step.operator === '==' ? text === step.value : text !== step.value;
      });
    }
  }
}
