import { describe, expect, it } from 'vitest';
import { withReadyCondition } from '../../../lab/emulators/eso/conditions.ts';
import {
  DEFAULT_SYMBOLS,
  generatePassword,
  passwordSpec,
} from '../../../lab/emulators/eso/generators.ts';
import { parseGoDuration } from '../../../lab/emulators/eso/go-duration.ts';
import {
  dataHash,
  formatByteMap,
  metaHash,
  resourceVersionOf,
} from '../../../lab/emulators/eso/hash.ts';
import { MetricName, Metrics } from '../../../lab/emulators/eso/metrics.ts';
import { isSecretValid, shouldRefresh } from '../../../lab/emulators/eso/refresh.ts';
import { applyTemplate } from '../../../lab/emulators/eso/secret-builder.ts';
import type { ExternalSecret } from '../../../lab/emulators/eso/types.ts';
import { buildKvPath, lookupProperty } from '../../../lab/emulators/eso/vault-provider.ts';

describe('hash', () => {
  it('formats byte maps as Go %+v with sorted keys', () => {
    const text = formatByteMap({ b: Buffer.from('hi'), a: Buffer.from([1, 2]) });
    expect(text).toBe('map[a:[1 2] b:[104 105]]');
  });

  it('data hash is md5 hex of the Go text', () => {
    // md5("map[a:[104 105]]"), computed with coreutils md5sum.
    expect(dataHash({ a: Buffer.from('hi') })).toBe('b1bf4f7e7bd376f1686da9c4a1d4fcb6');
  });

  it('resource version changes with annotations', () => {
    const before = resourceVersionOf({ name: 'x', generation: 3, annotations: {} });
    const after = resourceVersionOf({
      name: 'x',
      generation: 3,
      annotations: { 'force-sync': '1' },
    });
    expect(before.startsWith('3-')).toBe(true);
    expect(after).not.toBe(before);
  });

  it('meta hash ignores key order', () => {
    expect(metaHash({ labels: { a: '1', b: '2' } })).toBe(metaHash({ labels: { b: '2', a: '1' } }));
  });
});

describe('go duration', () => {
  const cases: Array<[string, number]> = [
    ['1h0m0s', 3_600_000],
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['0s', 0],
    ['0', 0],
    ['1.5h', 5_400_000],
  ];
  for (const [text, ms] of cases) {
    it(`parses ${text}`, () => {
      expect(parseGoDuration(text)).toBe(ms);
    });
  }

  it('rejects a bare number with a hint', () => {
    expect(() => parseGoDuration('60')).toThrow(
      'time: invalid duration "60": use Go duration syntax',
    );
  });

  it('rejects an unknown unit', () => {
    expect(() => parseGoDuration('1d')).toThrow('invalid duration "1d"');
  });
});

describe('refresh decision', () => {
  const synced = (
    overrides: Partial<ExternalSecret['spec']> = {},
    refreshTime = '2026-01-01T00:00:00.000Z',
  ): ExternalSecret => {
    const metadata = { name: 'es', namespace: 'ns', generation: 1 };
    return {
      metadata,
      spec: { refreshInterval: '1h', ...overrides },
      status: { refreshTime, syncedResourceVersion: resourceVersionOf(metadata) },
    };
  };
  const start = Date.parse('2026-01-01T00:00:00.000Z');

  it('periodic waits for the interval', () => {
    expect(shouldRefresh(synced(), start + 59 * 60_000)).toBe(false);
  });

  it('periodic refreshes after the interval', () => {
    expect(shouldRefresh(synced(), start + 60 * 60_000)).toBe(true);
  });

  it('never synced refreshes', () => {
    expect(shouldRefresh({ metadata: { name: 'es', generation: 1 }, spec: {} }, start)).toBe(true);
  });

  it('annotation change forces a sync', () => {
    const es = synced();
    es.metadata.annotations = { 'force-sync': '1700000000' };
    expect(shouldRefresh(es, start + 1000)).toBe(true);
  });

  it('refreshInterval 0s fetches once', () => {
    expect(shouldRefresh(synced({ refreshInterval: '0s' }), start + 10 * 3_600_000)).toBe(false);
  });

  it('CreatedOnce ignores spec changes', () => {
    const es = synced({ refreshPolicy: 'CreatedOnce' });
    es.metadata.generation = 2;
    expect(shouldRefresh(es, start + 10 * 3_600_000)).toBe(false);
  });

  it('OnChange refreshes on a spec change only', () => {
    const es = synced({ refreshPolicy: 'OnChange' });
    expect(shouldRefresh(es, start + 10 * 3_600_000)).toBe(false);
    es.metadata.generation = 2;
    expect(shouldRefresh(es, start)).toBe(true);
  });

  it('secret edited by hand is not valid', () => {
    const es = synced();
    const data = { password: Buffer.from('old').toString('base64') };
    const secret = {
      metadata: {
        name: 'es',
        labels: { 'reconcile.external-secrets.io/managed': 'true' },
        annotations: {
          'reconcile.external-secrets.io/data-hash': dataHash({ password: Buffer.from('old') }),
        },
      },
      data,
    };
    expect(isSecretValid(es, secret)).toBe(true);
    secret.data = { password: Buffer.from('edited').toString('base64') };
    expect(isSecretValid(es, secret)).toBe(false);
    expect(isSecretValid(es, undefined)).toBe(false);
  });
});

describe('conditions', () => {
  it('keeps lastTransitionTime while the status holds', () => {
    const first = withReadyCondition(
      undefined,
      'False',
      'SecretSyncedError',
      'a',
      '2026-01-01T00:00:00Z',
    );
    const second = withReadyCondition(
      first,
      'False',
      'SecretSyncedError',
      'b',
      '2026-01-01T00:05:00Z',
    );
    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(second[0]?.message).toBe('b');
  });

  it('moves lastTransitionTime when the status flips', () => {
    const first = withReadyCondition(
      undefined,
      'False',
      'SecretSyncedError',
      'a',
      '2026-01-01T00:00:00Z',
    );
    const second = withReadyCondition(
      first,
      'True',
      'SecretSynced',
      'secret synced',
      '2026-01-01T00:05:00Z',
    );
    expect(second).toHaveLength(1);
    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T00:05:00Z');
  });
});

describe('templates on the target', () => {
  const es = (
    template: NonNullable<NonNullable<ExternalSecret['spec']>['target']>['template'],
  ): ExternalSecret => ({
    metadata: { name: 'es', namespace: 'ns' },
    spec: { target: { template } },
  });
  const fetched = { username: Buffer.from('app'), password: Buffer.from('pw') };

  it('without template data the keys pass through', () => {
    const built = applyTemplate(es({ type: 'kubernetes.io/basic-auth' }), fetched);
    expect(Object.keys(built.data).sort()).toEqual(['password', 'username']);
    expect(built.type).toBe('kubernetes.io/basic-auth');
  });

  it('template data replaces the keys', () => {
    const built = applyTemplate(
      es({ data: { url: 'postgres://{{ .username }}:{{ .password }}@db/app' } }),
      fetched,
    );
    expect(Object.keys(built.data)).toEqual(['url']);
    expect(built.data.url?.toString()).toBe('postgres://app:pw@db/app');
  });

  it('mergePolicy Merge keeps the fetched keys', () => {
    const built = applyTemplate(
      es({ mergePolicy: 'Merge', data: { user: '{{ .username | upper }}' } }),
      fetched,
    );
    expect(Object.keys(built.data).sort()).toEqual(['password', 'user', 'username']);
  });

  it('labels and annotations are templated', () => {
    const built = applyTemplate(
      es({ metadata: { labels: { owner: '{{ .username }}' } } }),
      fetched,
    );
    expect(built.labels.owner).toBe('app');
  });

  it('template error names the key', () => {
    expect(() => applyTemplate(es({ data: { url: '{{ .missing }}' } }), fetched)).toThrow(
      'unable to execute template at key url: template: url: executing "url" at <.missing>: map has no entry for key "missing"',
    );
  });
});

describe('kv paths and properties', () => {
  const cases: Array<[string | undefined, string, 'v1' | 'v2', string]> = [
    ['secret', 'basecamp/config', 'v2', 'secret/data/basecamp/config'],
    ['secret', 'secret/basecamp/config', 'v2', 'secret/data/basecamp/config'],
    ['secret/', '/basecamp/config', 'v2', 'secret/data/basecamp/config'],
    ['database', 'static-creds/app', 'v1', 'database/static-creds/app'],
    [undefined, 'kv/foo', 'v1', 'kv/foo'],
  ];
  for (const [mount, key, version, expected] of cases) {
    it(`${mount ?? '(none)'} + ${key} (${version})`, () => {
      expect(buildKvPath(mount, key, version)).toBe(expected);
    });
  }

  it('property finds top-level then dotted keys', () => {
    const data = { 'a.b': 'flat', a: { b: 'nested', c: 'deep' } };
    expect(lookupProperty(data, 'a.b')).toBe('flat');
    expect(lookupProperty(data, 'a.c')).toBe('deep');
    expect(lookupProperty(data, 'a.x')).toBeUndefined();
  });
});

describe('password generator', () => {
  it('defaults to 24 characters with 6 digits and 6 symbols', () => {
    const spec = passwordSpec({});
    const password = generatePassword(spec);
    expect(password).toHaveLength(24);
    expect(password.replace(/[^0-9]/g, '')).toHaveLength(6);
    expect([...password].filter((char) => DEFAULT_SYMBOLS.includes(char))).toHaveLength(6);
  });

  it('without repeats every character is unique', () => {
    const password = generatePassword(passwordSpec({ length: 40, digits: 5, symbols: 5 }));
    expect(new Set(password).size).toBe(40);
  });

  it('noUpper leaves out capitals', () => {
    const password = generatePassword(
      passwordSpec({ length: 20, noUpper: true, digits: 0, symbols: 0 }),
    );
    expect(password).toMatch(/^[a-z]+$/);
  });

  it('custom symbol set is used', () => {
    const password = generatePassword(
      passwordSpec({ length: 8, digits: 0, symbols: 8, symbolCharacters: '-_', allowRepeat: true }),
    );
    expect(password).toMatch(/^[-_]{8}$/);
  });

  it('digits plus symbols above length fails', () => {
    expect(() => generatePassword(passwordSpec({ length: 4, digits: 3, symbols: 3 }))).toThrow(
      'number of digits and symbols must be less than total length',
    );
  });

  it('too many unique digits fails', () => {
    expect(() => generatePassword(passwordSpec({ length: 20, digits: 11, symbols: 0 }))).toThrow(
      'number of digits exceeds available digits and repeats are not allowed',
    );
  });
});

describe('metrics', () => {
  it('renders ESO metric names in Prometheus text', () => {
    const metrics = new Metrics();
    metrics.inc(MetricName.syncCallsTotal, { name: 'app-db', namespace: 'basecamp' });
    metrics.inc(MetricName.syncCallsTotal, { name: 'app-db', namespace: 'basecamp' });
    metrics.setCondition(
      MetricName.externalSecretCondition,
      { name: 'app-db', namespace: 'basecamp' },
      'Ready',
      'True',
    );
    metrics.inc(MetricName.providerApiCalls, {
      provider: 'HashiCorp/Vault',
      call: 'Login',
      status: 'success',
    });
    const text = metrics.text();
    expect(text).toContain('# TYPE externalsecret_sync_calls_total counter');
    expect(text).toContain('externalsecret_sync_calls_total{name="app-db",namespace="basecamp"} 2');
    expect(text).toContain(
      'externalsecret_status_condition{condition="Ready",name="app-db",namespace="basecamp",status="True"} 1',
    );
    expect(text).toContain(
      'externalsecret_status_condition{condition="Ready",name="app-db",namespace="basecamp",status="False"} 0',
    );
    expect(text).toContain(
      'externalsecret_provider_api_calls_count{call="Login",provider="HashiCorp/Vault",status="success"} 1',
    );
    expect(text).toContain('# TYPE secretstore_status_condition gauge');
  });

  it('removes the samples of a deleted object', () => {
    const metrics = new Metrics();
    metrics.inc(MetricName.syncCallsError, { name: 'a', namespace: 'n' });
    metrics.remove(MetricName.syncCallsError, { name: 'a', namespace: 'n' });
    expect(metrics.get(MetricName.syncCallsError, { name: 'a', namespace: 'n' })).toBeUndefined();
  });

  it('rejects an unknown metric name', () => {
    expect(() => new Metrics().inc('nope', {})).toThrow('unknown metric "nope"');
  });
});
