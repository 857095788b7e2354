/**
 * One real PostgreSQL server per test file: call `usePostgres()` at the top
 * level of a test file, read `.current` inside tests. The server starts in a
 * temporary folder before the file's first test and is stopped, and the
 * folder removed, after its last.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type RunningPostgres, startPostgres } from '../../lab/basecamp/embedded/postgres.ts';

export interface PostgresFixture {
  /** The running server; throws when read outside a test. */
  readonly current: RunningPostgres;
  /** The temporary folder holding the data folder. */
  readonly folder: string;
}

/** Starts PostgreSQL for this test file; initdb plus start takes a few seconds. */
export function usePostgres(options: { database?: string } = {}): PostgresFixture {
  let running: RunningPostgres | undefined;
  let folder = '';

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lab-pg-'));
    // mkdtemp makes the folder 0700; the postgres user must pass through it.
    await chmod(folder, 0o711);
    running = await startPostgres({ dataDir: join(folder, 'data'), database: options.database });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    if (folder !== '') await rm(folder, { recursive: true, force: true });
  }, 60_000);

  return {
    get current(): RunningPostgres {
      if (running === undefined)
        throw new Error('PostgreSQL is not running: read usePostgres().current inside a test');
      return running;
    },
    get folder(): string {
      return folder;
    },
  };
}
