// `lab serve kube` end to end: the real CLI in a temporary folder, driven by
// kubectl, stopped with SIGINT, and started again from its data folder.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeFixture, kubectl, waitFor } from './helpers.ts';

const LAB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/lab.js');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'serve-kube-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number>;
}

function serve(args: string[]): Served {
  const child = spawn(process.execPath, [LAB, 'serve', 'kube', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return { child, output: () => output, exited };
}

/** kubectl needs only a kubeconfig and a folder for HOME and its cache. */
function fixtureFor(kubeconfig: string): KubeFixture {
  return { dir, kubeconfig } as KubeFixture;
}

describe('lab serve kube', () => {
  it('serves kubectl and keeps state across a restart', async () => {
    const kubeconfig = path.join(dir, 'kc.yaml');
    const data = path.join(dir, 'data');
    const first = serve(['--port', '0', '--data', data, '--kubeconfig', kubeconfig]);
    await waitFor(
      () => first.output().includes('kubeconfig written to') || undefined,
      'the kubeconfig line',
      90_000,
    );
    expect(first.output()).toMatch(/^Kubernetes API listening on https:\/\/127\.0\.0\.1:\d+$/m);
    const created = await kubectl(fixtureFor(kubeconfig), ['create', 'namespace', 'kept']);
    expect(created.stdout.trim()).toBe('namespace/kept created');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect((await stat(path.join(data, 'kube-state.json'))).isFile()).toBe(true);

    const second = serve(['--port', '0', '--data', data, '--kubeconfig', kubeconfig]);
    await waitFor(
      () => second.output().includes('kubeconfig written to') || undefined,
      'the kubeconfig line',
      90_000,
    );
    const namespace = await kubectl(fixtureFor(kubeconfig), [
      'get',
      'namespace',
      'kept',
      '-o',
      'name',
    ]);
    expect(namespace.stdout.trim()).toBe('namespace/kept');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 240_000);

  it('rejects a port that is not a number', async () => {
    const run = serve(['--port', 'abc']);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('--port must be an integer from 0 to 65535, received "abc"');
  }, 120_000);

  it('rejects a host outside loopback', async () => {
    const run = serve(['--host', '0.0.0.0']);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(
      '--host must be a loopback address in 127.0.0.0/8, received "0.0.0.0"',
    );
  }, 120_000);
});
