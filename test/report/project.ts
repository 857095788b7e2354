/**
 * A throwaway project for report tests: the fixture runbooks and ADRs under
 * a temporary root, and the fixture run.json at `reports/<run-id>/`, the
 * depth `lab run` writes at, so relative links read `../../runbooks/...`.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../../lab/run/record.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/runs');

export const FIXTURE_RUN_ID = '20261204T180000Z-3f9c';

export interface ReportProject {
  root: string;
  runDir: string;
  /** The fixture record, parsed, for tests that change a field before writing it back. */
  record: RunRecord;
  writeRecord(record: RunRecord): Promise<void>;
  remove(): Promise<void>;
}

export async function createReportProject(runId = FIXTURE_RUN_ID): Promise<ReportProject> {
  const root = await mkdtemp(path.join(tmpdir(), 'lab-report-'));
  await cp(path.join(FIXTURES, 'project'), root, { recursive: true });
  const runDir = path.join(root, 'reports', runId);
  await mkdir(runDir, { recursive: true });
  const record = JSON.parse(
    await readFile(path.join(FIXTURES, 'full', 'run.json'), 'utf8'),
  ) as RunRecord;
  const writeRecord = (changed: RunRecord) =>
    writeFile(path.join(runDir, 'run.json'), `${JSON.stringify(changed, null, 2)}\n`);
  await writeRecord(record);
  return {
    root,
    runDir,
    record,
    writeRecord,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
