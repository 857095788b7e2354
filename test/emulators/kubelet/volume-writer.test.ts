// The layout the kubelet's AtomicWriter produces (pkg/volume/util/atomic_writer.go).
import { lstat, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeVolume, validateRelativePath, type VolumePayload } from '../../../lab/emulators/kubelet/volume-writer.ts';

let folder: string;

function payload(entries: Record<string, string>): VolumePayload {
  return new Map(Object.entries(entries).map(([key, value]) => [key, { content: Buffer.from(value), mode: 0o644 }]));
}

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'lab-volume-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('writeVolume', () => {
  it('links keys through ..data', async () => {
    await writeVolume(folder, payload({ username: 'app', password: 'one' }));
    expect(await readlink(join(folder, 'username'))).toBe('..data/username');
    expect((await readlink(join(folder, '..data'))).startsWith('..')).toBe(true);
    expect(await readFile(join(folder, 'password'), 'utf8')).toBe('one');
  });

  it('swaps ..data to a new timestamped folder', async () => {
    await writeVolume(folder, payload({ password: 'one' }));
    const first = await readlink(join(folder, '..data'));
    expect(await writeVolume(folder, payload({ password: 'two' }))).toBe(true);
    const second = await readlink(join(folder, '..data'));
    expect(second).not.toBe(first);
    expect(second).toMatch(/^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{9}$/);
    expect(await readFile(join(folder, 'password'), 'utf8')).toBe('two');
  });

  it('removes the previous version folder', async () => {
    await writeVolume(folder, payload({ password: 'one' }));
    await writeVolume(folder, payload({ password: 'two' }));
    const versions = (await readdir(folder)).filter((name) => /^\.\.\d/.test(name));
    expect(versions).toHaveLength(1);
  });

  it('skips unchanged content', async () => {
    await writeVolume(folder, payload({ password: 'one' }));
    const first = await readlink(join(folder, '..data'));
    expect(await writeVolume(folder, payload({ password: 'one' }))).toBe(false);
    expect(await readlink(join(folder, '..data'))).toBe(first);
  });

  it('drops links of removed keys', async () => {
    await writeVolume(folder, payload({ username: 'app', password: 'one' }));
    await writeVolume(folder, payload({ password: 'two' }));
    await expect(lstat(join(folder, 'username'))).rejects.toThrow(/ENOENT/);
  });

  it('leaves no ..data_tmp behind', async () => {
    await writeVolume(folder, payload({ password: 'one' }));
    expect(await readdir(folder)).not.toContain('..data_tmp');
  });
});

describe('validateRelativePath', () => {
  it.each(['/etc/passwd', '../x', 'a/../b', '..data', ''])('rejects %j', (path) => {
    expect(() => validateRelativePath(path)).toThrow(/invalid/);
  });
  it('accepts nested paths', () => {
    expect(() => validateRelativePath('config/app.yaml')).not.toThrow();
  });
});
