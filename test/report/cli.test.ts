import { spawn } from 'node:child_process';
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportProject, FIXTURE_RUN_ID, type ReportProject } from './project.ts';

const LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/lab.js');

// NOTE: each `lab` process compiles every subcommand through tsx first, which took 8 to 20 s per call on a busy machine.
const CLI_TIMEOUT_MS = 180_000;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function lab(args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAB, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let project: ReportProject;

beforeAll(async () => {
  project = await createReportProject();
  await symlink(FIXTURE_RUN_ID, path.join(project.root, 'reports', 'latest'));
});

afterAll(async () => {
  await project.remove();
});

describe('lab report', { timeout: CLI_TIMEOUT_MS }, () => {
  it('re-renders latest from run.json', async () => {
    const result = await lab(['report', '--root', project.root], project.root);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`run ${FIXTURE_RUN_ID}: failed\n`);
    expect(result.stdout).toContain(
      `wrote 10 files to ${project.runDir}:\n  report.md\n  report.html\n  junit.xml\n`,
    );
    expect(result.stdout).toContain('links: every runbook and ADR link resolves\n');
    expect(result.stdout).toContain('leak check: skipped');
    expect(await readFile(path.join(project.runDir, 'report.md'), 'utf8')).toContain(
      '**Verdict: failed.**',
    );
  });

  it('accepts a run id', async () => {
    const result = await lab(['report', FIXTURE_RUN_ID, '--root', project.root], project.root);
    expect(result.code).toBe(0);
  });

  it('exits 1 on a broken runbook link', async () => {
    const record = structuredClone(project.record);
    record.scenarios[2]!.runbook = {
      path: 'runbooks/eso-sync-failing.md',
      anchor: 'no-such-section',
    };
    await project.writeRecord(record);

    const result = await lab(['report', '--root', project.root], project.root);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('links: 1 broken\n');
    expect(result.stdout).toContain(
      '  ../../runbooks/eso-sync-failing.md#no-such-section: runbooks/eso-sync-failing.md has no heading with anchor #no-such-section',
    );
    await project.writeRecord(project.record);
  });

  it('exits 2 for an unknown run', async () => {
    const result = await lab(['report', 'missing-run', '--root', project.root], project.root);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: run "missing-run" not found');
    expect(result.stderr).toContain(`hint: known runs: ${FIXTURE_RUN_ID}`);
  });

  it('exits 2 for an invalid run.json', async () => {
    await project.writeRecord({ ...project.record, status: 'green' as never });

    const result = await lab(['report', '--root', project.root], project.root);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('(1 problem)');
    expect(result.stderr).toContain('status: Invalid option');
    await project.writeRecord(project.record);
  });
});
