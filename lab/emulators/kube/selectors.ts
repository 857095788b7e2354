/**
 * Label and field selectors with the grammar of
 * k8s.io/apimachinery/pkg/labels/selector.go and fields/selector.go.
 */
import { badRequest } from './status.ts';
import type { KubeObject } from './types.ts';

export type LabelRequirement =
  | { key: string; operator: 'in' | 'notin'; values: string[] }
  | { key: string; operator: '=' | '!='; values: [string] }
  | { key: string; operator: 'exists' | '!exists'; values: [] };

export type LabelSelector = LabelRequirement[];

/** Splits on commas that are outside parentheses: `a in (x,y),b` -> [`a in (x,y)`, `b`]. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

export function parseLabelSelector(text: string | undefined): LabelSelector {
  if (!text) return [];
  return splitTopLevel(text).map((part) => parseRequirement(part, text));
}

function parseRequirement(part: string, whole: string): LabelRequirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (setMatch) {
    const values = (setMatch[3] ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value.length > 0);
    return { key: setMatch[1] ?? '', operator: setMatch[2] as 'in' | 'notin', values };
  }
  const comparison = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (comparison) {
    const operator = comparison[2] === '!=' ? '!=' : '=';
    return { key: comparison[1] ?? '', operator, values: [comparison[3] ?? ''] };
  }
  if (/^![^\s=!()]+$/.test(part)) return { key: part.slice(1), operator: '!exists', values: [] };
  if (/^[^\s=!()]+$/.test(part)) return { key: part, operator: 'exists', values: [] };
  throw badRequest(`unable to parse requirement: found '${part}' in label selector "${whole}"`);
}

export function matchesLabels(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const present = labels ?? {};
  return selector.every((requirement) => {
    const has = Object.hasOwn(present, requirement.key);
    const value = present[requirement.key];
    switch (requirement.operator) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
        return has && value === requirement.values[0];
      case '!=':
        return !has || value !== requirement.values[0];
      case 'in':
        return has && requirement.values.includes(value ?? '');
      case 'notin':
        return !has || !requirement.values.includes(value ?? '');
      default:
        return false;
    }
  });
}

/** A metav1.LabelSelector (matchLabels and matchExpressions) as the API objects carry it. */
export interface ObjectLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Converts metav1.LabelSelector to requirements. An empty selector matches everything. */
export function fromObjectSelector(selector: ObjectLabelSelector | undefined): LabelSelector {
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    requirements.push({ key, operator: '=', values: [value] });
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        requirements.push({ key: expression.key, operator: 'in', values });
        break;
      case 'NotIn':
        requirements.push({ key: expression.key, operator: 'notin', values });
        break;
      case 'Exists':
        requirements.push({ key: expression.key, operator: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        requirements.push({ key: expression.key, operator: '!exists', values: [] });
        break;
      default:
        throw badRequest(`"${expression.operator}" is not a valid label selector operator`);
    }
  }
  return requirements;
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Field labels each kind supports beyond metadata.name and metadata.namespace. */
const EXTRA_FIELDS: Record<string, string[]> = {
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
  ReplicaSet: ['status.replicas'],
  Node: ['spec.unschedulable'],
};

export function parseFieldSelector(text: string | undefined, kind: string): FieldRequirement[] {
  if (!text) return [];
  const supported = ['metadata.name', 'metadata.namespace', ...(EXTRA_FIELDS[kind] ?? [])];
  return splitTopLevel(text).map((part) => {
    const match = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = match[1]?.trim() ?? '';
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, operator: match[2] === '!=' ? '!=' : '=', value: match[3] ?? '' };
  });
}

export function matchesFields(requirements: FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((requirement) => {
    const actual = fieldValue(object, requirement.field);
    return requirement.operator === '='
      ? actual === requirement.value
      : actual !== requirement.value;
  });
}

function fieldValue(object: KubeObject, field: string): string {
  if (field === 'source' && object.kind === 'Event') {
    const source = object.source as { component?: string } | undefined;
    return source?.component ?? '';
  }
  let current: unknown = object;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return '';
  return String(current);
}
