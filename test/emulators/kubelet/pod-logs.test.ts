import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPodLog } from '../../../lab/emulators/kubelet/pod-logs.ts';

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lab-logs-'));
  await mkdir(join(stateDir, 'pods', 'app-1'), { recursive: true });
  await writeFile(join(stateDir, 'pods', 'app-1', 'log'), 'one\ntwo\nthree\n');
  await writeFile(join(stateDir, 'pods', 'app-1', 'previous.log'), 'crashed\n');
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const options = (extra: object = {}) => ({ follow: false, signal: new AbortController().signal, ...extra });

describe('readPodLog', () => {
  it('returns the whole log', async () => {
    expect(await readPodLog(stateDir, 'app-1', options())).toBe('one\ntwo\nthree\n');
  });

  it('keeps the last lines', async () => {
    expect(await readPodLog(stateDir, 'app-1', options({ tailLines: 2 }))).toBe('two\nthree\n');
  });

  it('reads the previous container', async () => {
    expect(await readPodLog(stateDir, 'app-1', options({ previous: true }))).toBe('crashed\n');
  });

  it('returns nothing for an unknown pod', async () => {
    expect(await readPodLog(stateDir, 'nope', options())).toBeUndefined();
  });

  it('follows appended lines', async () => {
    const controller = new AbortController();
    const stream = (await readPodLog(stateDir, 'app-1', { follow: true, tailLines: 1, signal: controller.signal })) as Readable;
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    await appendFile(join(stateDir, 'pods', 'app-1', 'log'), 'four\n');
    const deadline = Date.now() + 3000;
    while (!chunks.join('').includes('four') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    expect(chunks.join('')).toBe('three\nfour\n');
  });
});
