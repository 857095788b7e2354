// Label selector grammar, field selectors, the printer-column JSONPath
// subset and HumanDuration, in tables of cases.
import { describe, expect, it } from 'vitest';
import { evaluateJsonPath } from '../../../lab/emulators/kube/jsonpath.ts';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../../lab/emulators/kube/selectors.ts';
import { humanDuration } from '../../../lab/emulators/kube/tables.ts';
import type { KubeObject } from '../../../lab/emulators/kube/types.ts';

const labels = { app: 'web', tier: 'front' };

describe('label selectors', () => {
  const cases: Array<[string, boolean]> = [
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app in (web,api)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier=back', false],
    ['missing!=x', true],
    ['', true],
  ];
  for (const [selector, expected] of cases) {
    it(`evaluates "${selector}" to ${expected}`, () => {
      expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
    });
  }

  it('rejects a selector that does not parse', () => {
    expect(() => parseLabelSelector('app in web')).toThrow(/unable to parse requirement/);
  });
});

describe('field selectors', () => {
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: 'ns' },
    involvedObject: { kind: 'Deployment', name: 'app' },
  } as KubeObject;

  it('matches involvedObject fields on events', () => {
    expect(
      matchesFields(
        parseFieldSelector('involvedObject.kind=Deployment,involvedObject.name=app', 'Event'),
        event,
      ),
    ).toBe(true);
    expect(matchesFields(parseFieldSelector('involvedObject.name!=app', 'Event'), event)).toBe(
      false,
    );
  });

  it('rejects an unsupported field label', () => {
    expect(() => parseFieldSelector('involvedObject.kind=Pod', 'Secret')).toThrow(
      'field label not supported: involvedObject.kind',
    );
  });
});

describe('printer column JSONPath', () => {
  const object = {
    spec: { refreshInterval: '1h', list: [{ n: 1 }, { n: 2 }] },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced' }] },
  };
  const cases: Array<[string, unknown[]]> = [
    ['.spec.refreshInterval', ['1h']],
    ['.status.conditions[?(@.type=="Ready")].reason', ['SecretSynced']],
    ['.status.conditions[?(@.type=="Other")].reason', []],
    ['.spec.list[*].n', [1, 2]],
    ['.spec.list[1].n', [2]],
    ["{.spec['refreshInterval']}", ['1h']],
    ['.missing.field', []],
  ];
  for (const [path, expected] of cases) {
    it(`evaluates ${path}`, () => {
      expect(evaluateJsonPath(object, path)).toEqual(expected);
    });
  }
});

describe('humanDuration', () => {
  const cases: Array<[number, string]> = [
    [5_000, '5s'],
    [119_000, '119s'],
    [150_000, '2m30s'],
    [600_000, '10m'],
    [3 * 3600_000 + 60_000, '3h1m'],
    [30 * 3600_000, '30h'],
    [50 * 3600_000, '2d2h'],
    [400 * 86_400_000, '400d'],
  ];
  for (const [milliseconds, expected] of cases) {
    it(`formats ${milliseconds} ms as ${expected}`, () => {
      expect(humanDuration(milliseconds)).toBe(expected);
    });
  }
});
