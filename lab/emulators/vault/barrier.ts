/**
 * The seal and the encrypted storage. `sys/init` draws a random 256-bit key
 * and splits it into Shamir shares. The whole state is one JSON document,
 * encrypted with AES-256-GCM under that key and written atomically (temp
 * file, then rename) to `vault.enc` in the data folder. The seal
 * configuration (share count and threshold) sits beside it in plain JSON.
 * Without a data folder the ciphertext is kept in memory only.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { combine, split } from 'shamir-secret-sharing';
import { badRequest } from './errors.ts';
import type { VaultState } from './types.ts';

export interface SealConfig {
  secretShares: number;
  secretThreshold: number;
}

const STATE_FILE = 'vault.enc';
const SEAL_FILE = 'seal-config.json';
const FORMAT_VERSION = 1;
const ADDITIONAL_DATA = Buffer.from('basecamp-lab vault state v1');

export class Barrier {
  readonly dataDir: string | undefined;
  sealConfig: SealConfig | undefined;
  private key: Buffer | undefined;
  private ciphertext: Buffer | undefined;
  private shares: Buffer[] = [];

  constructor(dataDir: string | undefined) {
    this.dataDir = dataDir;
    if (dataDir === undefined) return;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const sealPath = join(dataDir, SEAL_FILE);
    if (existsSync(sealPath)) {
      const statePath = join(dataDir, STATE_FILE);
      if (!existsSync(statePath)) {
        throw new Error(
          `vault data folder ${dataDir} contains ${SEAL_FILE} but no ${STATE_FILE}: restore ${STATE_FILE}, or empty the folder to start uninitialised`,
        );
      }
      this.sealConfig = JSON.parse(readFileSync(sealPath, 'utf8')) as SealConfig;
      this.ciphertext = readFileSync(statePath);
    }
  }

  get initialized(): boolean {
    return this.sealConfig !== undefined;
  }

  get sealed(): boolean {
    return this.key === undefined;
  }

  /** Shares given so far toward the threshold. */
  get progress(): number {
    return this.shares.length;
  }

  /** Creates the key, stores the first state and returns the unseal shares; leaves Vault sealed. */
  async initialize(config: SealConfig, state: VaultState): Promise<Buffer[]> {
    const key = randomBytes(32);
    const shares =
      config.secretShares === 1
        ? [Buffer.from(key)]
        : (await split(new Uint8Array(key), config.secretShares, config.secretThreshold)).map((s) =>
            Buffer.from(s),
          );
    this.sealConfig = config;
    this.key = key;
    this.save(state);
    if (this.dataDir !== undefined) {
      writeAtomic(join(this.dataDir, SEAL_FILE), Buffer.from(`${JSON.stringify(config)}\n`));
    }
    this.key = undefined;
    return shares;
  }

  /** Adds one share; returns the decrypted state once the threshold is reached, else undefined. */
  async addShare(share: Buffer): Promise<VaultState | undefined> {
    const config = this.sealConfig;
    if (config === undefined) throw badRequest('Vault is not initialized');
    if (!this.shares.some((known) => known.equals(share))) this.shares.push(share);
    if (this.shares.length < config.secretThreshold) return undefined;

    const collected = this.shares;
    this.shares = [];
    const key =
      config.secretShares === 1
        ? collected[0]
        : Buffer.from(await combine(collected.map((s) => new Uint8Array(s))));
    if (key === undefined || key.length !== 32)
      throw badRequest('invalid key: unseal key has the wrong length');
    const state = this.decrypt(key);
    this.key = key;
    return state;
  }

  resetProgress(): void {
    this.shares = [];
  }

  seal(): void {
    this.key = undefined;
    this.shares = [];
  }

  /** Encrypts and stores the state; a no-op while sealed. */
  save(state: VaultState): void {
    if (this.key === undefined) return;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(ADDITIONAL_DATA);
    const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
    this.ciphertext = Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), body]);
    if (this.dataDir !== undefined) writeAtomic(join(this.dataDir, STATE_FILE), this.ciphertext);
  }

  private decrypt(key: Buffer): VaultState {
    const data = this.ciphertext;
    if (data === undefined || data[0] !== FORMAT_VERSION)
      throw badRequest('stored state is missing or has an unknown format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(1, 13));
      decipher.setAAD(ADDITIONAL_DATA);
      decipher.setAuthTag(data.subarray(13, 29));
      const plain = Buffer.concat([decipher.update(data.subarray(29)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as VaultState;
    } catch {
      // Vault reports a wrong combined key the same way (vault/seal.go).
      throw badRequest(
        'failed to decrypt encrypted stored keys: cipher: message authentication failed',
      );
    }
  }
}

function writeAtomic(path: string, content: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}
