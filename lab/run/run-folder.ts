/**
 * The run folder `reports/<run-id>/`: run.json rewritten atomically as the
 * run goes (temporary file, then rename, so no reader and no crash ever finds a
 * half-written file), events.jsonl, and `reports/latest` pointing at the
 * newest run. A `run.pid` file exists while the run's process is alive, so a
 * reader can tell a crashed run (status still `running`, process gone) from a
 * live one.
 */
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redactor } from '../core/redact.ts';
import { RUN_RECORD_VERSION, type RunRecord } from './record.ts';

export const RUN_FILE = 'run.json';
export const EVENTS_FILE = 'events.jsonl';
export const PID_FILE = 'run.pid';
export const LATEST_LINK = 'latest';

export class RunFolder {
  private constructor(
    readonly runId: string,
    /** Absolute path of `reports/<run-id>/`. */
    readonly dir: string,
    /** Absolute path of `reports/`. */
    readonly reportsDir: string,
  ) {}

  /** Creates `reports/<run-id>/`, writes run.pid and points `reports/latest` at it. */
  static async create(reportsDir: string, runId: string): Promise<RunFolder> {
    const absoluteReports = path.resolve(reportsDir);
    const dir = path.join(absoluteReports, runId);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, PID_FILE), `${process.pid}\n`);
    await pointLatest(absoluteReports, runId);
    return new RunFolder(runId, dir, absoluteReports);
  }

  /** Returns the absolute path of a file in the run folder. */
  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Removes run.pid: the run ended and its record is final. */
  markEnded(): void {
    try {
      unlinkSync(this.file(PID_FILE));
    } catch {
      // Already gone: nothing to do.
    }
  }
}

/** Writes `text` to `file` through a temporary file and a rename. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Writes atomically and synchronously, for the last write before the process exits on a signal. */
export function writeFileAtomicSync(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** Points `reports/latest` at `runId` with a relative symlink, replaced atomically. */
export async function pointLatest(reportsDir: string, runId: string): Promise<void> {
  const link = path.join(reportsDir, LATEST_LINK);
  const temporary = `${link}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await symlink(runId, temporary, 'dir');
  try {
    await rename(temporary, link);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * Holds the run record in memory and writes it to run.json, redacted, after
 * every update. Writes are queued so the file always contains the latest state.
 */
export class RunRecordStore {
  readonly #file: string;
  readonly #redactor: Redactor;
  readonly #record: RunRecord;
  #queue: Promise<void> = Promise.resolve();

  constructor(file: string, record: RunRecord, redactor: Redactor) {
    this.#file = file;
    this.#record = record;
    this.#redactor = redactor;
  }

  /** The live record. Change it only through `update`, so every change is written. */
  get record(): Readonly<RunRecord> {
    return this.#record;
  }

  /** Applies `change` to the record and writes run.json; resolves once written. */
  update(change: (record: RunRecord) => void): Promise<void> {
    change(this.#record);
    return this.write();
  }

  /** Queues a write of the current record. */
  write(): Promise<void> {
    const next = this.#queue.then(() => writeFileAtomic(this.#file, this.#serialize()));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Applies `change` and writes at once, synchronously: for exit paths that cannot wait. */
  updateSync(change: (record: RunRecord) => void): void {
    change(this.#record);
    writeFileAtomicSync(this.#file, this.#serialize());
  }

  #serialize(): string {
    return `${JSON.stringify(this.#redactor.redactValue(this.#record), null, 2)}\n`;
  }
}

/**
 * Reads a run.json. A record still marked `running` whose process is gone
 * (run.pid missing or naming a dead process) is returned as `interrupted`:
 * the process crashed or was killed before it could record that.
 */
export async function readRunRecord(dir: string): Promise<RunRecord> {
  const record = JSON.parse(await readFile(path.join(dir, RUN_FILE), 'utf8')) as RunRecord;
  if (record.schemaVersion !== RUN_RECORD_VERSION) {
    throw new RangeError(
      `unsupported run.json schemaVersion ${String(record.schemaVersion)} in ${dir}: this lab reads version ${RUN_RECORD_VERSION}`,
    );
  }
  if (record.status === 'running' && !processAlive(readPid(dir))) record.status = 'interrupted';
  return record;
}

function readPid(dir: string): number | undefined {
  const file = path.join(dir, PID_FILE);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function processAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
