import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { PROJECT_ROOT, runCli } from './run-cli.ts';

// Each test starts the real CLI, and validate and list import every harness area, which
// can take tens of seconds on a loaded machine. These tests get a longer timeout.
vi.setConfig({ testTimeout: 180_000 });

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'lab-cli-'));
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

const BROKEN = `apiVersion: basecamp-lab/v1
kind: Scenario
name: broken
title: Broken on purpose
description: Three problems in one file.
runbook: runbooks/eso-sync-failing.md#no-such-heading
timelimit: 3m
load:
  rate: 10
  duration: 90
`;

describe('lab validate', () => {
  test('broken file lists every problem', async () => {
    writeFileSync(path.join(folder, 'broken.yaml'), BROKEN);
    const result = await runCli(['validate', 'broken.yaml'], { cwd: folder });
    const file = path.join(folder, 'broken.yaml');

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe(
      `${file}:1:1: fault: is required unless rotation is set: a scenario injects a fault or rotates a secret [required]`,
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${file}:6:10: runbook: heading #no-such-heading not found in runbooks/eso-sync-failing.md; its headings: .*\\[anchor-not-found\\]$`,
      ),
    );
    expect(lines[2]).toBe(
      `${file}:7:1: timelimit: unknown key; did you mean "timeLimit"? [unknown-key]`,
    );
    expect(lines[3]).toBe(
      `${file}:10:13: load.duration: must be a duration string such as 30s or 2m, received 90 [invalid-type]`,
    );
    expect(lines[4]).toBe('invalid  4 problems in 1 file');
    expect(lines).toHaveLength(5);
  });

  test('--json prints problems with positions', async () => {
    writeFileSync(path.join(folder, 'broken.yaml'), BROKEN);
    const result = await runCli(['validate', '--json', 'broken.yaml'], { cwd: folder });

    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as {
      valid: boolean;
      problems: Array<Record<string, unknown>>;
    };
    expect(report.valid).toBe(false);
    expect(report.problems).toHaveLength(4);
    expect(report.problems[2]).toEqual({
      file: path.join(folder, 'broken.yaml'),
      line: 7,
      column: 1,
      path: 'timelimit',
      rule: 'unknown-key',
      message: 'unknown key',
      suggestion: 'timeLimit',
    });
  });

  test('missing path exits 2', async () => {
    const result = await runCli(['validate', 'nothing-here.yaml'], { cwd: folder });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'nothing-here.yaml:1:1: file or folder not found: check the path [file-not-found]',
    );
  });
});

describe('lab list', () => {
  test('empty folder exits 2', async () => {
    const empty = path.join(folder, 'empty');
    mkdirSync(empty, { recursive: true });
    const result = await runCli(['list', 'empty'], { cwd: folder });

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('no scenarios\n');
    expect(result.stderr).toContain(
      'folder holds no .yaml or .yml scenario file [no-scenario-files]',
    );
  });

  test('--blocks --json lists registered blocks', async () => {
    const result = await runCli(['list', '--blocks', '--json'], { cwd: folder });

    expect(result.code).toBe(0);
    const { blocks } = JSON.parse(result.stdout) as {
      blocks: Array<{ kind: string; name: string; field: string }>;
    };
    expect(blocks.length).toBeGreaterThan(0);
    const kinds = new Set(blocks.map((block) => block.kind));
    expect(
      [...kinds].every((kind) => ['probe', 'fault', 'action', 'rotation'].includes(kind)),
    ).toBe(true);
    expect(blocks.find((block) => block.kind === 'probe')?.field).toBe('probe');
  });
});

/** Creates a PATH folder with stand-ins for the tools, so doctor's result does not depend on this machine. */
function fakeToolPath(): string {
  const bin = path.join(folder, 'bin');
  mkdirSync(bin, { recursive: true });
  const script = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  script('npm', 'echo 10.9.2');
  script(
    'docker',
    [
      'if [ "$1" = "info" ]; then echo "Cannot connect to the Docker daemon at unix:///nowhere/docker.sock." >&2; exit 1; fi',
      'echo 27.5.1',
    ].join('\n'),
  );
  script('k6', 'echo "k6 v1.0.0 (go1.24.1, linux/amd64)"');
  symlinkSync('/usr/bin/kubectl', path.join(bin, 'kubectl'));
  return bin;
}

describe('lab doctor', () => {
  let bin: string;
  let env: Record<string, string>;

  beforeAll(() => {
    bin = fakeToolPath();
    const home = path.join(folder, 'home');
    mkdirSync(home, { recursive: true });
    env = {
      PATH: bin,
      HOME: home,
      KUBECACHEDIR: path.join(folder, 'kube-cache'),
      KUBECONFIG: path.join(home, 'none'),
    };
  });

  test('reports tools and basecamps truthfully', async () => {
    const result = await runCli(['doctor'], { cwd: folder, env });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}npm +10\.9\.2 +ok$/m);
    expect(result.stdout).toMatch(/^ {2}docker +27\.5\.1 +ok$/m);
    expect(result.stdout).toMatch(
      /^ {2}kind +- +missing: not found on PATH; install: https:\/\/kind\.sigs\.k8s\.io/m,
    );
    expect(result.stdout).toMatch(/^ {2}helm +- +missing: not found on PATH/m);
    expect(result.stdout).toMatch(/^ {2}k6 +v1\.0\.0 +ok/m);
    expect(result.stdout).toMatch(
      /^ {2}docker engine +- +not reachable: Cannot connect to the Docker daemon at unix:\/\/\/nowhere\/docker\.sock\.$/m,
    );
    expect(result.stdout).toMatch(/^ {2}embedded {4}ready$/m);
    expect(result.stdout).toContain(
      '  kind        not ready: needs a reachable Docker engine, kind, helm',
    );
    expect(result.stdout).toContain(
      '  kubeconfig  not ready: needs a kubeconfig with a current context',
    );
  });

  test('--basecamp kind exits 3', async () => {
    const result = await runCli(['doctor', '--basecamp', 'kind'], { cwd: folder, env });
    expect(result.code).toBe(3);
  });

  test('kubeconfig with a context is ready', async () => {
    const kubeconfig = path.join(folder, 'kubeconfig.yaml');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: staging, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: admin, user: {token: not-a-real-token}}]',
        'contexts: [{name: staging-admin, context: {cluster: staging, user: admin}}]',
        'current-context: staging-admin',
      ].join('\n'),
    );
    const result = await runCli(['doctor', '--basecamp', 'kubeconfig', '--json'], {
      cwd: folder,
      env: { ...env, KUBECONFIG: kubeconfig },
    });

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      basecamps: Array<{ basecamp: string; ready: boolean }>;
    };
    expect(report.basecamps.find((entry) => entry.basecamp === 'kubeconfig')?.ready).toBe(true);
    expect(report.basecamps.find((entry) => entry.basecamp === 'kind')?.ready).toBe(false);
  });

  test('invalid --basecamp exits 2', async () => {
    const result = await runCli(['doctor', '--basecamp', 'minikube'], { cwd: folder, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: invalid --basecamp "minikube": must be one of embedded, kind, kubeconfig\n',
    );
  });
});

describe('lab run flags', () => {
  test('invalid --load-engine exits 2', async () => {
    const result = await runCli(['run', '--load-engine', 'fast', 'vault-sealed'], { cwd: folder });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: invalid --load-engine "fast": must be one of auto, builtin, k6\n');
  });

  test('kind without tools exits 3', async () => {
    const reports = path.join(PROJECT_ROOT, 'reports');
    const before = existsSync(reports) ? readdirSync(reports).sort() : [];
    // PATH holds only node and sh, so docker, kind, kubectl and helm are all missing.
    const bin = path.join(folder, 'node-and-sh');
    mkdirSync(bin, { recursive: true });
    if (!existsSync(path.join(bin, 'node'))) symlinkSync(process.execPath, path.join(bin, 'node'));
    if (!existsSync(path.join(bin, 'sh'))) symlinkSync('/bin/sh', path.join(bin, 'sh'));
    const result = await runCli(['run', '--basecamp', 'kind', 'vault-sealed'], { cwd: folder, env: { PATH: bin } });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'error: the kind basecamp needs docker, kind, kubectl, helm on PATH\n' +
        'hint: `npx lab doctor --basecamp kind` shows how to install each; or use the embedded basecamp (the default)\n',
    );
    expect(result.stdout).toBe('');
    expect(existsSync(reports) ? readdirSync(reports).sort() : []).toEqual(before);
  });

  test('--json prints an error document on stdout', async () => {
    const result = await runCli(['run', '--json', '--load-engine', 'fast', 'vault-sealed'], { cwd: folder });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { message: 'invalid --load-engine "fast": must be one of auto, builtin, k6', exitCode: 2 },
    });
  });

  test('--load-engine k6 without k6 exits 3', async () => {
    // PATH holds only node's folder, so k6 is missing even where it is installed.
    const env = { PATH: path.dirname(process.execPath) };
    const result = await runCli(['run', '--load-engine', 'k6', 'vault-sealed'], { cwd: folder, env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('error: --load-engine k6 was given but k6 is not on PATH\n');
    expect(result.stderr).toContain('or use --load-engine builtin');
  });
});
