import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCredentialEnv, readCredentialFiles, watchCredentialFolder } from '../../lab/app/credentials.js';
import { isAuthFailure } from '../../lab/app/database.js';
import { writeVolume } from '../../lab/emulators/kubelet/volume-writer.ts';

let folder: string;

const secret = (password: string) =>
  new Map([
    ['username', { content: Buffer.from('app\n'), mode: 0o644 }],
    ['password', { content: Buffer.from(password), mode: 0o644 }],
  ]);

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'lab-app-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('credential files', () => {
  it('reads the mounted Secret', async () => {
    await writeVolume(folder, secret('one'));
    const credentials = await readCredentialFiles(folder);
    expect(credentials.username).toBe('app');
    expect(credentials.password).toBe('one');
  });

  it('notices a ..data swap', async () => {
    await writeVolume(folder, secret('one'));
    const changes: string[] = [];
    const stop = watchCredentialFolder(folder, (target: string) => changes.push(target), 50);
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await writeVolume(folder, secret('two'), new Date(Date.now() + 1000));
      const deadline = Date.now() + 3000;
      while (changes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(changes.length).toBeGreaterThanOrEqual(1);
      expect((await readCredentialFiles(folder)).password).toBe('two');
    } finally {
      stop();
    }
  });
});

describe('credential env', () => {
  it('reads DB_USERNAME and DB_PASSWORD', () => {
    expect(readCredentialEnv({ DB_USERNAME: 'app', DB_PASSWORD: 'pw' })).toEqual({ username: 'app', password: 'pw', source: 'environment variables' });
  });

  it('names both variables when one is missing', () => {
    expect(() => readCredentialEnv({ DB_USERNAME: 'app' })).toThrow(/DB_USERNAME and DB_PASSWORD must both be set/);
  });
});

describe('isAuthFailure', () => {
  it.each([
    ['28P01', true],
    ['28000', true],
    ['42P01', false],
    [undefined, false],
  ])('%s -> %s', (code, expected) => {
    expect(isAuthFailure(code === undefined ? new Error('x') : Object.assign(new Error('x'), { code }))).toBe(expected);
  });
});
