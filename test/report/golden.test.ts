import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReportResult, renderRunReport } from '../../lab/report/index.ts';
import { createReportProject, type ReportProject } from './project.ts';

// Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change, then review the diff.
const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../golden/report');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

let project: ReportProject;
let result: ReportResult;

beforeAll(async () => {
  project = await createReportProject();
  result = await renderRunReport(project.runDir, { root: project.root });
});

afterAll(async () => {
  await project.remove();
});

async function expectGolden(file: string): Promise<void> {
  const actual = await readFile(path.join(project.runDir, file), 'utf8');
  const goldenFile = path.join(GOLDEN, file);
  if (UPDATE) await writeFile(goldenFile, actual);
  expect(actual).toBe(await readFile(goldenFile, 'utf8'));
}

describe('report golden files', () => {
  it('report.md matches', async () => {
    await expectGolden('report.md');
  });

  it('junit.xml matches', async () => {
    await expectGolden('junit.xml');
  });

  it('writes every format and chart', () => {
    expect(result.files).toEqual([
      'report.md',
      'report.html',
      'junit.xml',
      'eso-expired-vault-token-latency.svg',
      'eso-expired-vault-token-errors.svg',
      'rotation-under-load-latency.svg',
      'rotation-under-load-errors.svg',
      'rotation-under-load-propagation.svg',
      'networkpolicy-blocks-eso-latency.svg',
      'networkpolicy-blocks-eso-errors.svg',
    ]);
  });

  it('finds no broken link in the fixture', () => {
    expect(result.brokenLinks).toEqual([]);
    expect(result.problems).toEqual([]);
  });

  it('skips the leak check without a redactor', () => {
    expect(result.leakCheck).toBe('skipped');
  });

  it('renders the same bytes twice', async () => {
    const first = await readFile(path.join(project.runDir, 'report.md'), 'utf8');
    await renderRunReport(project.runDir, { root: project.root });
    expect(await readFile(path.join(project.runDir, 'report.md'), 'utf8')).toBe(first);
  });
});
