import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../../../lab/basecamp/embedded/postgres.ts';
import { usePostgres } from '../../helpers/postgres.ts';

const fixture = usePostgres({ database: 'app' });

async function query(connectionString: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  it('serves the requested database', async () => {
    const running = fixture.current;
    expect(running.host).toBe('127.0.0.1');
    expect(running.database).toBe('app');
    const result = await query(running.connectionString(), 'SELECT current_database() AS db');
    expect(result.rows[0].db).toBe('app');
  });

  it('rejects a wrong password', async () => {
    const running = fixture.current;
    const url = `postgres://postgres:wrong@${running.host}:${running.port}/app`;
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  it('writes the password file with mode 0600', async () => {
    const running = fixture.current;
    const info = await stat(running.passwordFile);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await readFile(running.passwordFile, 'utf8')).trim()).toBe(running.password);
  });

  it('reuses a data folder on restart', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'lab-pg-restart-'));
    await chmod(folder, 0o711);
    try {
      const first = await startPostgres({ dataDir: join(folder, 'data') });
      await query(
        first.connectionString(),
        'CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)',
      );
      await first.stop();

      const second = await startPostgres({ dataDir: join(folder, 'data') });
      try {
        expect(second.password).toBe(first.password);
        const result = await query(second.connectionString(), 'SELECT id FROM kept');
        expect(result.rows).toEqual([{ id: 7 }]);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 120_000);

  it('rejects a non-loopback host', async () => {
    await expect(startPostgres({ dataDir: '/tmp/unused', host: '0.0.0.0' })).rejects.toThrow(
      /must be a loopback address .* received 0\.0\.0\.0/,
    );
  });

  it('rejects an invalid port', async () => {
    await expect(startPostgres({ dataDir: '/tmp/unused', port: 70000 })).rejects.toThrow(
      /received 70000/,
    );
  });

  it('moves a new cluster out of a closed folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'lab-pg-closed-'));
    const dataDir = join(folder, 'data');
    try {
      const running = await startPostgres({ dataDir });
      try {
        expect((await lstat(dataDir)).isSymbolicLink()).toBe(true);
        expect(running.passwordFile.startsWith(join(tmpdir(), 'basecamp-lab-pgdata-'))).toBe(true);
      } finally {
        await running.stop();
      }
    } finally {
      await rm(await readlink(dataDir).catch(() => ''), { recursive: true, force: true });
      await rm(folder, { recursive: true, force: true });
    }
  }, 120_000);

  it('rejects an existing cluster in a closed folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'lab-pg-closed-'));
    try {
      await mkdir(join(folder, 'data'));
      await expect(startPostgres({ dataDir: join(folder, 'data') })).rejects.toThrow(
        /not reachable by the postgres user/,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
