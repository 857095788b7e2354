import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../lab/core/errors.ts';
import { readRunRecord, resolveRunDir } from '../../lab/report/index.ts';
import { createReportProject, FIXTURE_RUN_ID, type ReportProject } from './project.ts';

let project: ReportProject;

beforeAll(async () => {
  project = await createReportProject();
  await symlink(FIXTURE_RUN_ID, path.join(project.root, 'reports', 'latest'));
});

afterAll(async () => {
  await project.remove();
});

describe('resolveRunDir', () => {
  it('finds a run by id', async () => {
    expect(await resolveRunDir(project.root, FIXTURE_RUN_ID)).toBe(project.runDir);
  });

  it('follows latest to the run folder', async () => {
    expect(await resolveRunDir(project.root, 'latest')).toBe(project.runDir);
  });

  it('accepts a path to a run folder', async () => {
    expect(await resolveRunDir(project.root, `${project.runDir}/`)).toBe(project.runDir);
  });

  it('rejects an unknown run with the known ones', async () => {
    const error = await resolveRunDir(project.root, 'nope').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toContain('run "nope" not found');
    expect((error as InvalidInputError).hint).toContain(`known runs: ${FIXTURE_RUN_ID}`);
  });

  it('rejects an id that is not a folder name', async () => {
    await expect(resolveRunDir(project.root, '..')).rejects.toThrow(
      /invalid run id|has no run.json/,
    );
    await expect(resolveRunDir(project.root, 'a b')).rejects.toThrow('invalid run id "a b"');
  });

  it('rejects a folder without run.json', async () => {
    await expect(resolveRunDir(project.root, project.root)).rejects.toThrow(
      `run folder ${project.root} has no run.json`,
    );
  });
});

describe('readRunRecord', () => {
  async function recordFolder(name: string, content: string): Promise<string> {
    const dir = path.join(project.root, 'reports', name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'run.json'), content);
    return dir;
  }

  it('reads the fixture', async () => {
    const record = await readRunRecord(project.runDir);
    expect(record.runId).toBe(FIXTURE_RUN_ID);
    expect(record.scenarios).toHaveLength(4);
  });

  it('rejects truncated JSON', async () => {
    const dir = await recordFolder('truncated', '{"schemaVersion": 1, "runId"');
    await expect(readRunRecord(dir)).rejects.toThrow(/invalid JSON in .*run\.json/);
  });

  it('lists every invalid field with its path', async () => {
    const record = structuredClone(project.record) as unknown as Record<string, unknown>;
    record.status = 'green';
    const scenarios = record.scenarios as Array<Record<string, unknown>>;
    scenarios[1]!.seed = 'abc';
    (scenarios[0]!.checks as Array<Record<string, unknown>>)[0]!.phase = 'during';
    const dir = await recordFolder('invalid', JSON.stringify(record));

    const error = (await readRunRecord(dir).catch(
      (caught: unknown) => caught,
    )) as InvalidInputError;

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('(3 problems)');
    expect(error.message).toMatch(/ {2}status: Invalid option: expected one of/);
    expect(error.message).toContain(
      'scenarios.1.seed: Invalid input: expected number, received string',
    );
    expect(error.message).toContain('scenarios.0.checks.0.phase');
    expect(error.hint).toContain('docs/run-json.md');
  });

  it('rejects another schema version', async () => {
    const dir = await recordFolder(
      'future',
      JSON.stringify({ ...project.record, schemaVersion: 2 }),
    );
    await expect(readRunRecord(dir)).rejects.toThrow('schemaVersion: Invalid input: expected 1');
  });

  it('reads null statistics as NaN', async () => {
    const record = structuredClone(project.record) as unknown as {
      scenarios: Array<{ load: Record<string, any> }>;
    };
    const load = record.scenarios[1]!.load;
    load.thresholds[0].actual = null;
    load.series[3].p99 = null;
    load.windows[1].rps = null;
    const dir = await recordFolder('nulls', JSON.stringify(record));

    const read = await readRunRecord(dir);

    const readLoad = read.scenarios[1]!.load!;
    expect(readLoad.thresholds[0]!.actual).toBeNaN();
    expect(readLoad.series[3]!.p99).toBeNaN();
    expect(readLoad.windows[1]!.rps).toBeNaN();
  });

  it('keeps fields it does not know', async () => {
    const dir = await recordFolder(
      'newer',
      JSON.stringify({ ...project.record, gameday: { marks: [] } }),
    );
    expect(((await readRunRecord(dir)) as unknown as { gameday: unknown }).gameday).toEqual({
      marks: [],
    });
  });
});
