import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireBasecamp } from '../../lab/basecamp/index.ts';
import { acquireKubeconfig } from '../../lab/basecamp/kubeconfig.ts';

let folder: string;
let kubeconfig: string;

const ENV = {
  VAULT_ADDR: 'https://vault.example.test:8200',
  VAULT_TOKEN: 'hvs.test',
  PGHOST: 'db.example.test',
  PGUSER: 'postgres',
  PGPASSWORD: 'pw',
  LAB_SERVICE_URL: 'http://app.example.test',
};

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: staging
    cluster: { server: "https://staging.example.test:6443" }
users:
  - name: me
    user: { token: "t" }
contexts:
  - name: staging
    context: { cluster: staging, user: me }
  - name: other
    context: { cluster: staging, user: me }
current-context: other
`;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'lab-kubeconfig-'));
  kubeconfig = join(folder, 'config');
  await writeFile(kubeconfig, KUBECONFIG);
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('kubeconfig basecamp', () => {
  it('names missing variables', async () => {
    await expect(acquireKubeconfig({ stateDir: join(folder, 'state'), kubeconfig, env: { VAULT_ADDR: 'x' } })).rejects.toThrow(
      /needs VAULT_TOKEN, PGHOST, PGUSER, LAB_SERVICE_URL in the environment/,
    );
  });

  it('selects the given context', async () => {
    const basecamp = await acquireKubeconfig({ stateDir: join(folder, 'state'), kubeconfig, context: 'staging', env: ENV });
    expect(JSON.parse(await readFile(basecamp.endpoints.kubeconfig, 'utf8'))['current-context']).toBe('staging');
    expect(basecamp.endpoints.vault.addr).toBe(ENV.VAULT_ADDR);
  });

  it('rejects an unknown context', async () => {
    await expect(acquireKubeconfig({ stateDir: join(folder, 'state'), kubeconfig, context: 'prod', env: ENV })).rejects.toThrow(/context "prod" not found .* staging, other/);
  });

  it('takes the password from PGPASSFILE', async () => {
    const passfile = join(folder, 'pgpass');
    await writeFile(passfile, 'other.example.test:5432:*:postgres:wrong\ndb.example.test:5432:app:postgres:from-file\n', { mode: 0o600 });
    const { PGPASSWORD: _unused, ...env } = ENV;
    const basecamp = await acquireKubeconfig({ stateDir: join(folder, 'state'), kubeconfig, env: { ...env, PGPASSFILE: passfile } });
    expect(await readFile(basecamp.endpoints.postgres.passwordFile, 'utf8')).toBe('from-file\n');
  });

  it('names the entry PGPASSFILE lacks', async () => {
    const passfile = join(folder, 'pgpass');
    await writeFile(passfile, 'other.example.test:5432:*:postgres:wrong\n', { mode: 0o600 });
    const { PGPASSWORD: _unused, ...env } = ENV;
    await expect(acquireKubeconfig({ stateDir: join(folder, 'state'), kubeconfig, env: { ...env, PGPASSFILE: passfile } })).rejects.toThrow(
      `the kubeconfig basecamp found no entry for db.example.test:5432:app:postgres in PGPASSFILE ${passfile}, and PGPASSWORD is not set`,
    );
  });

  it('needs PGPASSWORD or PGPASSFILE', async () => {
    const { PGPASSWORD: _unused, ...env } = ENV;
    await expect(acquireKubeconfig({ stateDir: join(folder, 'state'), kubeconfig, env })).rejects.toThrow(
      'the kubeconfig basecamp needs PGPASSWORD, or PGPASSFILE with an entry for the database, in the environment',
    );
  });

  it('keeps secrets in 0600 files', async () => {
    const basecamp = await acquireKubeconfig({ stateDir: join(folder, 'state'), kubeconfig, env: ENV });
    expect((await stat(basecamp.endpoints.vault.tokenFile)).mode & 0o777).toBe(0o600);
    expect((await stat(basecamp.endpoints.postgres.passwordFile)).mode & 0o777).toBe(0o600);
  });
});

describe('acquireBasecamp', () => {
  it('keeps secrets out of .lab', async () => {
    for (const [name, value] of Object.entries(ENV)) vi.stubEnv(name, value);
    try {
      const basecamp = await acquireBasecamp({ kind: 'kubeconfig', root: folder, kubeconfig });
      const tokenFile = basecamp.endpoints.vault.tokenFile;
      expect(tokenFile.startsWith(join(folder, '.lab'))).toBe(false);
      expect(existsSync(join(folder, '.lab'))).toBe(false);
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      await basecamp.stop();
      expect(existsSync(tokenFile)).toBe(false);
      expect(existsSync(basecamp.endpoints.postgres.passwordFile)).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('rejects an unknown kind', async () => {
    await expect(acquireBasecamp({ kind: 'docker' as never, root: folder })).rejects.toThrow(/basecamp kind must be one of embedded, kind, kubeconfig, received "docker"/);
  });
});
