import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadScenarios } from '../../lab/scenario/loader.ts';
import { formatProblem } from '../../lab/scenario/problem.ts';
import { emptyRegistry } from '../../lab/scenario/registry.ts';
import { defaultSeed } from '../../lab/scenario/schema.ts';
import { testRegistry } from './registry.fixture.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/scenarios');

async function problemsOf(file: string): Promise<string[]> {
  const result = await loadScenarios([file], { root, registry: testRegistry });
  return result.problems.map(formatProblem);
}

describe('valid scenarios', () => {
  test('load with defaults applied', async () => {
    const result = await loadScenarios(['valid'], { root, registry: testRegistry });

    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.scenarios.map((loaded) => loaded.scenario.name)).toEqual([
      'rotate-under-load',
      'token-expired',
    ]);

    const [rotate, token] = result.scenarios;
    expect(rotate!.seed).toBe(7);
    expect(rotate!.scenario.basecamps).toEqual(['embedded', 'kind']);
    expect(rotate!.scenario.timeLimit).toBe('5m');
    expect(rotate!.scenario.load?.maxInFlight).toBe(200);
    expect(rotate!.runbook).toEqual({
      path: 'runbooks/rotation.md',
      anchor: 'rotation-under-load',
    });

    expect(token!.seed).toBe(defaultSeed('token-expired'));
    expect(token!.scenario.basecamps).toEqual(['embedded', 'kind', 'kubeconfig']);
    expect(token!.manifests).toEqual([path.join(root, 'valid/manifests/token-store.yaml')]);
    expect(token!.adrs).toEqual([{ path: 'adrs/0002-eso-over-vault-agent-sidecar.md' }]);
    expect(token!.displayPath).toBe('valid/token-expired.yaml');
  });

  test('folder walk skips manifests folders', async () => {
    const result = await loadScenarios(['valid'], { root, registry: testRegistry });
    const files = result.scenarios.map((loaded) => loaded.displayPath);
    expect(files.some((file) => file.includes('manifests'))).toBe(false);
  });

  test('default seed is stable FNV-1a', () => {
    // FNV-1a 32-bit of "a" is 0xe40c292c (reference value from the FNV specification's test vectors).
    expect(defaultSeed('a')).toBe(0xe40c292c);
    expect(defaultSeed('token-expired')).toBe(defaultSeed('token-expired'));
    expect(defaultSeed('token-expired')).not.toBe(defaultSeed('token-expire'));
  });
});

describe('invalid scenarios', () => {
  test('unknown keys suggest the closest key', async () => {
    expect(await problemsOf('invalid/unknown-keys.yaml')).toEqual([
      'invalid/unknown-keys.yaml:7:1: timelimit: unknown key; did you mean "timeLimit"? [unknown-key]',
      'invalid/unknown-keys.yaml:8:1: fault.target: is required and must be a mapping [required]',
      'invalid/unknown-keys.yaml:11:3: fault.tagret: unknown key; did you mean "target"? [unknown-key]',
      'invalid/unknown-keys.yaml:16:7: symptoms.probes[0].stauts: unknown key; did you mean "status"? [unknown-key]',
      'invalid/unknown-keys.yaml:17:1: recovery.within: is required and must be a duration string such as 30s or 2m [required]',
      'invalid/unknown-keys.yaml:18:3: recovery.withn: unknown key; did you mean "within"? [unknown-key]',
    ]);
  });

  test('bad values name the rule and the value', async () => {
    expect(await problemsOf('invalid/bad-values.yaml')).toEqual([
      'invalid/bad-values.yaml:1:13: apiVersion: must be "basecamp-lab/v1", received "basecamp-lab/v2" [invalid-value]',
      'invalid/bad-values.yaml:3:7: name: must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters, received "Bad_Values" [invalid-value]',
      'invalid/bad-values.yaml:6:13: tags[1]: must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters, received "Not A Tag" [invalid-value]',
      'invalid/bad-values.yaml:7:10: runbook: must be a markdown path with a heading anchor, for example runbooks/eso-sync-failing.md#expired-vault-token, received "runbooks/eso-sync-failing.md" [invalid-value]',
      'invalid/bad-values.yaml:8:7: seed: must be between 0 and 4294967295, received -1 [invalid-value]',
      'invalid/bad-values.yaml:9:12: timeLimit: must be a duration: a number with a unit (ms, s, m, h), for example 30s, 2m or 1m30s, received "3 minutes" [invalid-value]',
      'invalid/bad-values.yaml:10:13: basecamps[0]: must be one of "embedded", "kind", "kubeconfig", received "docker" [invalid-value]',
      'invalid/bad-values.yaml:15:9: load.rate: must be a number of requests per second above 0, received 0 [invalid-value]',
      'invalid/bad-values.yaml:16:13: load.duration: must be a duration string such as 30s or 2m, received 60 [invalid-type]',
      'invalid/bad-values.yaml:18:25: load.thresholds.http_req_duration[0]: must be a k6 threshold such as p(99)<250 or rate<0.001, received "p99 < 250" [invalid-value]',
      'invalid/bad-values.yaml:21:24: grade.required[1]: must be one of the checks listed in grade.weights (detected), received "recovered" [invalid-value]',
    ]);
  });

  test('missing fields and cross-field rules', async () => {
    expect(await problemsOf('invalid/missing-fields.yaml')).toEqual([
      'invalid/missing-fields.yaml:1:1: description: is required and must be a string [required]',
      'invalid/missing-fields.yaml:1:1: recovery: is required when fault is set: list the probes that show the system recovered [required]',
      'invalid/missing-fields.yaml:1:1: runbook: is required and must be a string [required]',
      'invalid/missing-fields.yaml:1:1: symptoms: is required when fault is set: list the probes that detect the fault [required]',
      'invalid/missing-fields.yaml:1:1: title: is required and must be a string [required]',
    ]);
  });

  test('a load gives either duration or stages', async () => {
    expect(await problemsOf('invalid/load-length.yaml')).toEqual([
      'invalid/load-length.yaml:9:13: load.duration: must be left out when stages are given: a ramping load lasts as long as its stages, received "30s" [invalid-value]',
      'invalid/load-length.yaml:10:11: load.before: must be a duration: a number with a unit (ms, s, m, h), for example 30s, 2m or 1m30s, received "soon" [invalid-value]',
      'invalid/load-length.yaml:13:15: load.stages[1].target: must be a number of requests per second, 0 or more, received -1 [invalid-value]',
    ]);
    expect(await problemsOf('invalid/load-no-length.yaml')).toEqual([
      'invalid/load-no-length.yaml:8:3: load.duration: is required: give duration (for example 30s) or stages [invalid-value]',
    ]);
  });

  test('threshold percentile from 0 to 100', async () => {
    expect(await problemsOf('invalid/threshold-percentile.yaml')).toEqual([
      'invalid/threshold-percentile.yaml:11:54: load.thresholds.http_req_duration[2]: must use a percentile from 0 to 100 in p(N), for example p(99)<250 or p(99.9)<500, received "p(101)<250" [invalid-value]',
      'invalid/threshold-percentile.yaml:11:68: load.thresholds.http_req_duration[3]: must use a percentile from 0 to 100 in p(N), for example p(99)<250 or p(99.9)<500, received "p(100.5) < 250" [invalid-value]',
    ]);
  });

  test('blocks checked against the registry', async () => {
    expect(await problemsOf('invalid/blocks.yaml')).toEqual([
      'invalid/blocks.yaml:9:15: setup.actions[0].action: unknown action, received "vault-wrte"; did you mean "vault-write"? [unknown-block]',
      'invalid/blocks.yaml:13:12: fault.variant: must be one of revoked, expired for fault vault-token-expired, received "expird"; did you mean "expired"? [invalid-value]',
      'invalid/blocks.yaml:14:26: fault.target.secretStore: must be a string, received 42 [invalid-type]',
      'invalid/blocks.yaml:18:14: symptoms.probes[0].probe: unknown probe, received "externalsecret-redy"; did you mean "externalsecret-ready"? [unknown-block]',
      'invalid/blocks.yaml:23:15: recovery.probes[0].status: must be one of "True", "False", received "Maybe" [invalid-value]',
    ]);
  });

  test('empty registry lists no names', async () => {
    const result = await loadScenarios(['invalid/blocks.yaml'], {
      root,
      registry: emptyRegistry(),
    });
    const messages = result.problems.map((problem) => problem.message);
    expect(messages).toContain('unknown probe: no probes are registered');
    expect(messages).toContain('unknown action: no actions are registered');
    expect(messages).toContain('unknown fault: no faults are registered');
  });

  test('broken links to runbooks, ADRs and manifests', async () => {
    expect(await problemsOf('invalid/links.yaml')).toEqual([
      'invalid/links.yaml:6:10: runbook: heading #expired-token not found in runbooks/eso-sync-failing.md; its headings: #eso-sync-failing, #expired-vault-token, #missing-rbac, received "runbooks/eso-sync-failing.md#expired-token" [anchor-not-found]',
      'invalid/links.yaml:7:8: adrs[0]: markdown file not found (paths are relative to the project root), received "adrs/0009-missing.md" [file-not-found]',
      'invalid/links.yaml:9:15: setup.manifests[0]: manifest file not found (paths are relative to the scenario file), received "manifests/missing.yaml" [file-not-found]',
    ]);
  });

  test('duplicate names across files', async () => {
    const result = await loadScenarios(['invalid/duplicate'], { root, registry: testRegistry });
    expect(result.problems.map(formatProblem)).toEqual([
      'invalid/duplicate/second.yaml:3:7: name: is already the name of the scenario in invalid/duplicate/first.yaml:3; names must be unique, received "same-name" [duplicate-name]',
    ]);
    expect(result.scenarios.map((loaded) => loaded.displayPath)).toEqual([
      'invalid/duplicate/first.yaml',
    ]);
  });

  test('YAML syntax, shape and documents', async () => {
    expect(await problemsOf('invalid/yaml-syntax.yaml')).toEqual([
      'invalid/yaml-syntax.yaml:6:1: invalid YAML: Missing closing "quote [yaml-syntax]',
    ]);
    expect(await problemsOf('invalid/not-a-mapping.yaml')).toEqual([
      'invalid/not-a-mapping.yaml:1:1: a scenario file must be a YAML mapping starting with apiVersion: basecamp-lab/v1 [not-a-mapping]',
    ]);
    expect(await problemsOf('invalid/two-documents.yaml')).toEqual([
      'invalid/two-documents.yaml:8:1: a scenario file holds one YAML document: move the second scenario into its own file [yaml-syntax]',
    ]);
  });

  test('every file reported in one load', async () => {
    const result = await loadScenarios(['invalid'], { root, registry: testRegistry });
    const files = new Set(result.problems.map((problem) => problem.file));
    expect([...files].sort()).toEqual([
      'invalid/bad-values.yaml',
      'invalid/blocks.yaml',
      'invalid/duplicate/second.yaml',
      'invalid/links.yaml',
      'invalid/load-length.yaml',
      'invalid/load-no-length.yaml',
      'invalid/missing-fields.yaml',
      'invalid/not-a-mapping.yaml',
      'invalid/secret-value.yaml',
      'invalid/threshold-percentile.yaml',
      'invalid/two-documents.yaml',
      'invalid/unknown-keys.yaml',
      'invalid/yaml-syntax.yaml',
    ]);
    // The sum of the per-file lists in this file: 6 + 11 + 5 + 5 + 3 + 1 + 1 + 1 + 1 + 1.
    // The load files add 3 + 1 and the threshold file adds 2.
    expect(result.problems.length).toBe(41);
  });

  test('missing path and empty folder', async () => {
    const result = await loadScenarios(['nowhere.yaml', 'runbooks'], {
      root,
      registry: testRegistry,
    });
    expect(result.problems.map(formatProblem)).toEqual([
      'nowhere.yaml:1:1: file or folder not found: check the path [file-not-found]',
      'runbooks:1:1: folder holds no .yaml or .yml scenario file [no-scenario-files]',
    ]);
  });
});

describe('secret values in problems', () => {
  test('values under data are not shown', async () => {
    const result = await loadScenarios(['invalid/secret-value.yaml'], {
      root,
      registry: testRegistry,
    });
    expect(result.problems.map(formatProblem)).toEqual([
      'invalid/secret-value.yaml:11:25: setup.actions[0].data.password: must be a string, received a value that is not shown because the field may hold a secret [invalid-type]',
    ]);
    expect(JSON.stringify(result.problems)).not.toContain('424242');
  });
});
