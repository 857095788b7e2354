/**
 * The data folder: the whole API state in one JSON file, written atomically
 * (temporary file, fsync, rename) on shutdown and read back on start.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import type { CertificateAuthority } from '../shared/pki.ts';
import type { StoreSnapshot } from './store.ts';

export const STATE_FILE = 'kube-state.json';
const FORMAT = 1;

export interface PersistedState {
  format: number;
  store: StoreSnapshot;
  signingKey: JWK;
  adminToken: string;
  /** Stored only when the server created its own CA. */
  ca?: CertificateAuthority;
}

export async function loadState(dataDir: string): Promise<PersistedState | undefined> {
  const file = path.join(dataDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: PersistedState;
  try {
    state = JSON.parse(text) as PersistedState;
  } catch (error) {
    throw new Error(
      `the Kubernetes API state file ${file} is not valid JSON (${(error as Error).message}): move it away to start empty`,
    );
  }
  if (state.format !== FORMAT || !state.store || !state.signingKey || !state.adminToken) {
    throw new Error(
      `the Kubernetes API state file ${file} has format ${String(state.format)}, expected ${FORMAT}: move it away to start empty`,
    );
  }
  return state;
}

export async function saveState(
  dataDir: string,
  state: Omit<PersistedState, 'format'>,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, STATE_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify({ format: FORMAT, ...state }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
