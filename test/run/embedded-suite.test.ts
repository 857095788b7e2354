/**
 * Every fault scenario under scenarios/ on a real embedded basecamp started
 * in a temporary folder: injecting the fault must produce the real symptom
 * text (ESO conditions and events, Vault errors), and the remediation must
 * recover. The rotation scenarios are left out (they belong to the rotation
 * area's tests). Takes about three minutes on two cores.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '../../lab/basecamp/embedded/index.ts';
import type { Basecamp } from '../../lab/basecamp/types.ts';
import { PROJECT_ROOT } from '../../lab/cli/main.ts';
import type { ScenarioRecord } from '../../lab/run/record.ts';
import { runScenarios } from '../../lab/run/runner.ts';

/** The symptom text each scenario must quote when it detects its fault. */
const SYMPTOMS: Record<string, string[]> = {
  'eso-vault-token-expired': ['InvalidProviderConfig', 'permission denied'],
  'eso-vault-token-revoked': ['InvalidProviderConfig', 'permission denied'],
  'eso-rbac-reviewer-unbound': ['permission denied'],
  'eso-rbac-serviceaccount-token-forbidden': ['serviceaccounts/token'],
  'eso-rbac-token-secret-forbidden': ['cannot get Kubernetes secret'],
  'eso-rbac-vault-role-wrong-sa': ['service account name not authorized'],
  'eso-wrong-path-key': ['SecretSyncedError', 'Secret does not exist'],
  'eso-wrong-path-kv-version': ['/v1/secret/basecamp/config'],
  'eso-wrong-path-property': ['cannot find secret data for key: "passwd"'],
  'eso-netpol-blocks-vault': ['context deadline exceeded'],
  'vault-sealed': ['sealed=true', 'Vault is sealed'],
  'audit-device-blocked': ['internal error'],
  'credential-compromised': ['login accepted'],
  'credential-compromised-dynamic': ['login accepted'],
  'audit-who-read-secret': ['for database/static-creds/app since the scenario started'],
  'env-var-consumer': ['answered 5', 'password authentication failed'],
};


let stateDir = '';
let reportsDir = '';
let basecamp: Basecamp | undefined;
let records: ScenarioRecord[] = [];

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'lab-suite-'));
  // mkdtemp makes the folder 0700; PostgreSQL runs as the postgres user and must pass through it.
  await chmod(stateDir, 0o711);
  // The basecamp refuses to remove a state folder holding files it did not create, so reports go elsewhere.
  reportsDir = await mkdtemp(path.join(os.tmpdir(), 'lab-suite-reports-'));
  basecamp = await startInProcess({ stateDir, log: () => {} });
  const files = Object.keys(SYMPTOMS).map((name) => path.join(PROJECT_ROOT, 'scenarios', `${name}.yaml`));
  const result = await runScenarios({
    root: PROJECT_ROOT,
    paths: files,
    filters: [],
    basecampKind: 'embedded',
    basecamp,
    keep: true,
    json: false,
    argv: ['lab', 'run'],
    stdout: new PassThrough().resume(),
    stderr: new PassThrough().resume(),
    color: false,
    interactive: false,
    handleSignals: false,
    reportsDir,
  });
  records = result.record?.scenarios ?? [];
}, 600_000);

afterAll(async () => {
  await basecamp?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true });
  // NOTE: stopping the basecamp once took over 60 s on a fresh clone while
  // other test files ran beside it; the cause was not found.
}, 180_000);

function expectRecovered(name: string, fragments: string[]): void {
  const record = records.find((candidate) => candidate.name === name);
  expect(record, `scenario ${name} did not run`).toBeDefined();
  const failed = record!.checks.filter((check) => !check.passed).map((check) => `${check.id}: ${check.message}`);
  expect(record!.detection, `not detected: ${failed.join('; ')}`).toBeDefined();
  for (const fragment of fragments) expect(record!.detection!.message).toContain(fragment);
  expect(record!.recovery, `not recovered: ${failed.join('; ')}`).toBeDefined();
  expect(record!.fault?.revertedAt).toBeDefined();
  expect(failed).toEqual([]);
}

describe('fault scenarios on the embedded basecamp', () => {
  it.each(Object.entries(SYMPTOMS))('%s shows its symptom and recovers', (name, fragments) => {
    expectRecovered(name, fragments);
  });
});
