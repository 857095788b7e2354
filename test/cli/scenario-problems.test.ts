import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { runCli } from './run-cli.ts';

// Each test starts the real CLI, which imports the whole harness for `lab run`.
vi.setConfig({ testTimeout: 180_000 });

// One problem only: the percentile in p(N) is over 100. The runbook is one the project ships.
const ONE_PROBLEM = `apiVersion: basecamp-lab/v1
kind: Scenario
name: one-problem
title: One problem
description: A threshold percentile over 100.
runbook: runbooks/rotation-broke-deployment.md#rotation-under-load
load:
  rate: 10
  duration: 30s
  thresholds:
    http_req_duration: ["p(101)<250"]
rotation:
  strategy: vault-static-role
  role: app
`;

let folder: string;
let file: string;

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'lab-problems-'));
  file = path.join(folder, 'one-problem.yaml');
  writeFileSync(file, ONE_PROBLEM);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

const PROBLEM_LINE = (where: string) =>
  `${where}:11:25: load.thresholds.http_req_duration[0]: must use a percentile from 0 to 100 in p(N), for example p(99)<250 or p(99.9)<500, received "p(101)<250" [invalid-value]`;

describe('one invalid scenario file', () => {
  test('lab validate counts one problem', async () => {
    const result = await runCli(['validate', 'one-problem.yaml'], { cwd: folder });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${PROBLEM_LINE(file)}\ninvalid  1 problem in 1 file\n`);
  });

  test('lab run counts one problem', async () => {
    const result = await runCli(['run', 'one-problem.yaml'], { cwd: folder });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: 1 problem in 1 scenario file:\n${PROBLEM_LINE(file)}\nhint: fix the fields named above; \`lab validate\` lists the same problems\n`,
    );
  });
});
