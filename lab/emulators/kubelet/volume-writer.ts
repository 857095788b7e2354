/**
 * Writes Secret and ConfigMap volume contents the way the kubelet's
 * AtomicWriter does (kubernetes pkg/volume/util/atomic_writer.go):
 *
 * 1. write every file into a new folder named `..<timestamp>`;
 * 2. point a symlink `..data_tmp` at it and rename it over `..data`, which
 *    swaps the whole content at once;
 * 3. make each key a symlink `<key> -> ..data/<key>` (created once, so it
 *    follows every later swap), and remove links of keys that went away;
 * 4. remove the previous timestamped folder.
 *
 * A reader that opens `<key>` sees either the old or the new content, never
 * a mix, and a watcher of the folder sees `..data` being replaced.
 */
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const DATA_LINK = '..data';
const DATA_TMP_LINK = '..data_tmp';

/** Payload of one volume: relative path to content and file mode. */
export type VolumePayload = Map<string, { content: Buffer; mode: number }>;

/** Returns true when the folder already holds exactly this payload. */
export async function payloadUnchanged(folder: string, payload: VolumePayload): Promise<boolean> {
  let current: string;
  try {
    current = await readlink(join(folder, DATA_LINK));
  } catch {
    return false;
  }
  const existing = await listFiles(join(folder, current));
  if (existing.length !== payload.size) return false;
  for (const [path, file] of payload) {
    try {
      const content = await readFile(join(folder, current, path));
      if (!content.equals(file.content)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Writes `payload` into `folder` atomically. Returns false when the content
 * was already there (nothing written), true when a new version was swapped in.
 */
export async function writeVolume(folder: string, payload: VolumePayload, now = new Date()): Promise<boolean> {
  for (const path of payload.keys()) validateRelativePath(path);
  await mkdir(folder, { recursive: true });
  if (await payloadUnchanged(folder, payload)) return false;

  const previous = await readlink(join(folder, DATA_LINK)).catch(() => undefined);
  const versionName = await uniqueVersionName(folder, now);
  const versionFolder = join(folder, versionName);
  await mkdir(versionFolder, { mode: 0o755 });
  for (const [path, file] of payload) {
    const target = join(versionFolder, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, { mode: file.mode });
  }

  const temporaryLink = join(folder, DATA_TMP_LINK);
  await rm(temporaryLink, { force: true });
  await symlink(versionName, temporaryLink);
  await rename(temporaryLink, join(folder, DATA_LINK));

  await syncKeyLinks(folder, payload);
  if (previous !== undefined && previous !== versionName) await rm(join(folder, previous), { recursive: true, force: true });
  return true;
}

/** Creates `<top-level name> -> ..data/<name>` for new keys and removes links of keys that went away. */
async function syncKeyLinks(folder: string, payload: VolumePayload): Promise<void> {
  const wanted = new Set([...payload.keys()].map((path) => path.split('/')[0] as string));
  for (const name of wanted) {
    const link = join(folder, name);
    const existing = await lstat(link).catch(() => undefined);
    if (existing?.isSymbolicLink()) continue;
    if (existing) await rm(link, { recursive: true, force: true });
    await symlink(join(DATA_LINK, name), link);
  }
  for (const entry of await readdir(folder)) {
    if (entry.startsWith('..') || wanted.has(entry)) continue;
    const info = await lstat(join(folder, entry));
    if (info.isSymbolicLink()) await rm(join(folder, entry), { force: true });
  }
}

/** Folder name `..2006_01_02_15_04_05.<nanoseconds>` like the kubelet's, made unique. */
async function uniqueVersionName(folder: string, now: Date): Promise<string> {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const stamp = `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}`;
  for (let suffix = 0; ; suffix++) {
    const nanos = String(now.getUTCMilliseconds() * 1_000_000 + suffix).padStart(9, '0');
    const name = `..${stamp}.${nanos}`;
    const taken = await lstat(join(folder, name)).catch(() => undefined);
    if (!taken) return name;
  }
}

/** Rejects paths the kubelet rejects: absolute, `..` segments, or names starting with `..`. */
export function validateRelativePath(path: string): void {
  const segments = path.split('/');
  if (path === '' || path.startsWith('/') || segments.some((segment) => segment === '..' || segment === '') || path.startsWith('..')) {
    throw new Error(`volume item path ${JSON.stringify(path)} is invalid: it must be relative, without ".." segments, and must not start with ".."`);
  }
}

async function listFiles(folder: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(join(folder, entry.name), relative)));
    else files.push(relative);
  }
  return files;
}
