import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAlive, removeState, stopLeftoverProcesses, supervisorState } from '../../lab/basecamp/embedded/state.ts';
import { exportLines, readSecretFile, shellQuote } from '../../lab/basecamp/environment.ts';

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lab-state-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('supervisorState', () => {
  it('is down without a pid file', async () => {
    expect(await supervisorState(stateDir)).toEqual({ state: 'down' });
  });

  it('detects a stale pid file', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    await writeFile(join(stateDir, 'supervisor.pid'), `${child.pid}\n`);
    expect(await supervisorState(stateDir)).toEqual({ state: 'stale', pid: child.pid });
  });

  it('is starting until endpoints.json exists', async () => {
    await writeFile(join(stateDir, 'supervisor.pid'), `${process.pid}\n`);
    expect((await supervisorState(stateDir)).state).toBe('starting');
    await writeFile(join(stateDir, 'endpoints.json'), '{"kind":"embedded"}');
    expect((await supervisorState(stateDir)).state).toBe('up');
  });
});

describe('stopLeftoverProcesses', () => {
  it('stops pod processes named in pid files', async () => {
    // A stand-in pod process: its command line names the pod preload, as the kubelet's do.
    const pod = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'pod-preload'], { stdio: 'ignore' });
    await mkdir(join(stateDir, 'pods', 'app-1'), { recursive: true });
    await writeFile(join(stateDir, 'pods', 'app-1', 'pid'), `${pod.pid}\n`);
    const stopped = await stopLeftoverProcesses(stateDir, 2_000);
    expect(stopped).toEqual([pod.pid]);
    expect(isAlive(pod.pid as number)).toBe(false);
  });

  it('leaves other programs with a reused pid alone', async () => {
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await mkdir(join(stateDir, 'pods', 'app-1'), { recursive: true });
      await writeFile(join(stateDir, 'pods', 'app-1', 'pid'), `${other.pid}\n`);
      expect(await stopLeftoverProcesses(stateDir, 500)).toEqual([]);
      expect(isAlive(other.pid as number)).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
  });
});

describe('removeState', () => {
  it('refuses folders with foreign files', async () => {
    await writeFile(join(stateDir, 'notes.txt'), 'mine');
    await expect(removeState(stateDir, false)).rejects.toThrow(/refusing to delete .* notes.txt/);
    expect((await stat(join(stateDir, 'notes.txt'))).isFile()).toBe(true);
  });

  it('keeps data folders with keepData', async () => {
    await mkdir(join(stateDir, 'postgres'));
    await mkdir(join(stateDir, 'pods'));
    await writeFile(join(stateDir, 'supervisor.pid'), '1\n');
    await removeState(stateDir, true);
    expect(await readdir(stateDir)).toEqual(['postgres']);
  });
});

describe('environment', () => {
  it('quotes values for the shell', () => {
    expect(shellQuote('/tmp/a b')).toBe("'/tmp/a b'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(exportLines({ A: 'x', B: 'y z' })).toBe("export A=x\nexport B='y z'");
  });

  it('rejects a token file others can read', async () => {
    const file = join(stateDir, 'vault-token');
    await writeFile(file, 'hvs.x\n', { mode: 0o644 });
    await expect(readSecretFile(file, 'Vault token')).rejects.toThrow(/mode 644, readable by others/);
  });

  it('reads a 0600 token file', async () => {
    const file = join(stateDir, 'vault-token');
    await writeFile(file, 'hvs.x\n', { mode: 0o600 });
    expect(await readSecretFile(file, 'Vault token')).toBe('hvs.x');
  });
});
