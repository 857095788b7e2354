/**
 * `lab serve vault` end to end: the real CLI in a child process, talked to
 * over HTTP(S) as a learner would, then stopped with SIGINT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import vaultClient from 'node-vault';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from './helpers.ts';

const LAB = resolve(import.meta.dirname, '../../../bin/lab.js');
const children: ChildProcess[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[]): Running {
  const child = spawn(process.execPath, [LAB, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function waitFor(
  running: Running,
  pattern: RegExp,
  timeoutMs = 120_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = running.output().match(pattern);
    if (match !== null) return match;
    if (running.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`output never matched ${pattern}:\n${running.output()}`);
}

describe('lab serve vault', () => {
  it('serves dev mode and stops on SIGINT', async () => {
    const running = run(['serve', 'vault', '--dev', '--dev-root-token-id', 'root', '--port', '0']);
    const [, address] = await waitFor(running, /export VAULT_ADDR='(http:\/\/127\.0\.0\.1:\d+)'/);
    expect(running.output()).toContain('Root Token: root');

    const vault = vaultClient({ endpoint: address as string, token: 'root' });
    await vault.write('secret/data/cli', { data: { answer: '42' } });
    expect((await vault.read('secret/data/cli')).data.data.answer).toBe('42');
    const created = await vault.tokenCreate({ policies: ['default'] });
    expect(created.auth.client_token).toMatch(/^hvs\./);

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
    expect(running.output()).toContain('vault server stopped');
  }, 180_000);

  it('starts uninitialised over HTTPS with a lab CA', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'serve-vault-'));
    folders.push(folder);
    await chmod(folder, 0o700);
    const running = run(['serve', 'vault', '--port', '0', '--data', folder]);
    const [, address] = await waitFor(running, /export VAULT_ADDR='(https:\/\/127\.0\.0\.1:\d+)'/);
    const [, caFile] = await waitFor(running, /export VAULT_CACERT='([^']+)'/);
    expect(running.output()).toContain('Vault is not initialized');

    const client = createClient(address as string, '', await readFile(caFile as string, 'utf8'));
    const health = await client.call('GET', 'sys/health', { token: null });
    expect(health.status).toBe(501);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  }, 180_000);

  it.each([
    [['--port', 'abc'], /--port must be an integer from 0 to 65535, received "abc"/],
    [['--dev', '--data', '/tmp/x'], /--data cannot be combined with --dev/],
    [['--host', '0.0.0.0'], /--host must be a loopback address/],
    [['--dev-tls'], /--dev-root-token-id and --dev-tls need --dev/],
  ])(
    'rejects %j with exit 2',
    async (flags, message) => {
      const running = run(['serve', 'vault', ...flags]);
      expect(await running.exited).toBe(2);
      expect(running.output()).toMatch(message);
    },
    180_000,
  );
});
