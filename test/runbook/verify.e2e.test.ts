/**
 * lab verify-runbooks on the embedded basecamp: the shipped sealed-Vault
 * runbook verifies, and a runbook whose fix command or expected diagnosis
 * output drifted fails with the step's file and line. One basecamp serves
 * every case; each case works in its own copy of the runbooks.
 */
import { chmod, cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireBasecamp } from '../../lab/basecamp/index.ts';
import type { Basecamp } from '../../lab/basecamp/types.ts';
import { ExitCode } from '../../lab/core/errors.ts';
import { verifyRunbooks } from '../../lab/runbook/verify.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');
const RUNBOOK = 'runbooks/vault-sealed.md';

let root: string;
let basecamp: Basecamp;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lab-verify-'));
  // PostgreSQL runs as the postgres user when the tests run as root, and must reach its data folder.
  await chmod(root, 0o755);
  for (const shared of ['lab', 'scenarios', 'adrs', 'docs', 'node_modules']) {
    await symlink(path.join(PROJECT_ROOT, shared), path.join(root, shared));
  }
  basecamp = await acquireBasecamp({ kind: 'embedded', root, stateDir: path.join(root, '.lab') });
}, 300_000);

afterAll(async () => {
  await basecamp?.stop();
  await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

/** Copies the shipped runbooks into a fresh folder, applies `edit` to the sealed-Vault one, and verifies it. */
async function verifyEdited(edit: (text: string) => string): Promise<{ exitCode: number; output: string; text: string }> {
  const caseRoot = await mkdtemp(path.join(root, 'case-'));
  for (const shared of ['lab', 'scenarios', 'adrs', 'docs']) {
    await symlink(path.join(PROJECT_ROOT, shared), path.join(caseRoot, shared));
  }
  await cp(path.join(PROJECT_ROOT, 'runbooks'), path.join(caseRoot, 'runbooks'), { recursive: true });
  const text = edit(await readFile(path.join(caseRoot, RUNBOOK), 'utf8'));
  await writeFile(path.join(caseRoot, RUNBOOK), text);

  const stdout = new PassThrough();
  let output = '';
  stdout.on('data', (chunk) => (output += chunk));
  const exitCode = await verifyRunbooks({
    root: caseRoot,
    files: [RUNBOOK],
    basecampKind: 'embedded',
    basecamp,
    allVariants: false,
    lintOnly: false,
    keep: false,
    json: false,
    handleSignals: false,
    argv: ['lab', 'verify-runbooks', RUNBOOK],
    stdout,
    stderr: stdout,
    color: false,
    interactive: false,
  });
  return { exitCode, output, text };
}

function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  expect(index, `"${needle}" is in the runbook`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('verify-runbooks on the embedded basecamp', () => {
  it('passes the shipped sealed-Vault runbook', async () => {
    const { exitCode, output } = await verifyEdited((text) => text);
    expect(output).toContain('OK      runbooks/vault-sealed.md#vault-is-sealed (scenario vault-sealed)');
    expect(exitCode).toBe(ExitCode.passed);
  }, 300_000);

  it('fails a wrong fix command, naming the step', async () => {
    const { exitCode, output, text } = await verifyEdited((original) =>
      original.replace('"$VAULT_ADDR/v1/sys/unseal"', '"$VAULT_ADDR/v1/sys/unsael"'),
    );
    const fence = lineOf(text, '```sh {lab=fix}');
    expect(output).toContain('DRIFT   runbooks/vault-sealed.md#vault-is-sealed (scenario vault-sealed)');
    expect(output).toContain(`runbooks/vault-sealed.md:${fence} (fix) failed: exited with code`);
    expect(exitCode).toBe(ExitCode.checkFailed);
  }, 300_000);

  it('fails a diagnosis whose expected output no longer appears', async () => {
    const { exitCode, output, text } = await verifyEdited((original) =>
      original.replace('{lab=diagnose expect="\\"sealed\\": ?true" retry=60s}', '{lab=diagnose expect="\\"sealed\\": ?maybe" retry=2s}'),
    );
    const fence = lineOf(text, 'expect="\\"sealed\\": ?maybe"');
    expect(output).toContain('DRIFT   runbooks/vault-sealed.md#vault-is-sealed (scenario vault-sealed)');
    expect(output).toContain(`runbooks/vault-sealed.md:${fence} (diagnose) failed: output does not match /"sealed": ?maybe/`);
    expect(exitCode).toBe(ExitCode.checkFailed);
  }, 300_000);
});
