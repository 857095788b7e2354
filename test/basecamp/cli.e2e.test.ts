// `lab up`, `env`, `status` and `down` through the real CLI, two labs in two
// folders at once, and `lab down` after the supervisor was killed.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const LAB = resolve(import.meta.dirname, '../../bin/lab.js');
let root: string;
let labA: string;
let labB: string;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function lab(...args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [LAB, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 240_000 }, (error, stdout, stderr) => {
      let code = 0;
      if (error) code = typeof error.code === 'number' ? error.code : 1;
      done({ code, stdout, stderr });
    });
  });
}

/** Pids of processes whose command line or environment names `folder`: the supervisor, PostgreSQL and the pods. */
async function processesOf(folder: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const read = (file: string) => readFile(join('/proc', entry, file), 'utf8').catch(() => '');
    const [commandLine, environment] = await Promise.all([read('cmdline'), read('environ')]);
    if (commandLine.includes(folder) || environment.includes(folder)) pids.push(Number(entry));
  }
  return pids.filter((pid) => pid !== process.pid);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lab-cli-'));
  // PostgreSQL runs as the postgres user when the tests run as root: it must pass through this folder.
  await chmod(root, 0o755);
  labA = join(root, 'a');
  labB = join(root, 'b');
});

afterAll(async () => {
  await lab('down', '--state-dir', labA);
  await lab('down', '--state-dir', labB);
  await rm(root, { recursive: true, force: true });
}, 120_000);

describe('lab up and down', () => {
  it('starts two labs at once', async () => {
    const [a, b] = await Promise.all([lab('up', '--state-dir', labA), lab('up', '--state-dir', labB)]);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toContain('basecamp is up');
    expect(a.stdout).toContain('eval "$(npx lab env)"');
    const endpointsA = JSON.parse(await readFile(join(labA, 'endpoints.json'), 'utf8'));
    const endpointsB = JSON.parse(await readFile(join(labB, 'endpoints.json'), 'utf8'));
    expect(endpointsA.serviceUrl).not.toBe(endpointsB.serviceUrl);
    const response = await fetch(`${endpointsB.serviceUrl}/items`);
    expect(response.status).toBe(200);
  }, 300_000);

  it('prints export lines', async () => {
    const result = await lab('env', '--state-dir', labA);
    expect(result.code).toBe(0);
    for (const name of ['KUBECONFIG', 'VAULT_ADDR', 'VAULT_CACERT', 'VAULT_TOKEN', 'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSFILE']) {
      expect(result.stdout).toMatch(new RegExp(`^export ${name}=`, 'm'));
    }
    expect((await stat(join(labA, 'vault-token'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(labA, 'pgpass'))).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('reports status Ready', async () => {
    const result = await lab('status', '--state-dir', labA);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Ready');
    expect(result.stdout).toMatch(/app-\w+-\w+\s+1\/1\s+Running/);
  }, 60_000);

  it('cleans up after a crashed supervisor', async () => {
    const pid = Number((await readFile(join(labB, 'supervisor.pid'), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    const status = await lab('status', '--state-dir', labB);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('crashed');
    expect((await processesOf(labB)).length).toBeGreaterThan(0);

    const down = await lab('down', '--state-dir', labB);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('cleaning up after a crash');
    expect(await processesOf(labB)).toEqual([]);
  }, 120_000);

  it('leaves no process after down', async () => {
    const down = await lab('down', '--state-dir', labA);
    expect(down.code).toBe(0);
    expect(await processesOf(labA)).toEqual([]);
    await expect(stat(labA)).rejects.toThrow(/ENOENT/);
  }, 120_000);

  it('rejects env when nothing is up', async () => {
    const result = await lab('env', '--state-dir', labA);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('run `npx lab up` first');
  }, 60_000);
});
