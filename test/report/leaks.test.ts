import { appendFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MASK, Redactor } from '../../lab/core/redact.ts';
import { describeLeak, findLeaksInFolder, renderRunReport } from '../../lab/report/index.ts';
import { createReportProject, type ReportProject } from './project.ts';

// A value whose JSON-escaped form differs from its raw form, so each form is a distinct needle.
const SECRET = 'pg-"pass"\\word-7Q2x';
const BASE64 = Buffer.from(SECRET, 'utf8').toString('base64');
const JSON_ESCAPED = JSON.stringify(SECRET).slice(1, -1);

let project: ReportProject;
let redactor: Redactor;

beforeEach(async () => {
  project = await createReportProject();
  redactor = new Redactor();
  redactor.register(SECRET);
});

afterEach(async () => {
  await project.remove();
});

describe('findLeaksInFolder', () => {
  it.each([
    ['raw', `password=${SECRET}\n`],
    ['base64', `password: ${BASE64}\n`],
    ['JSON-escaped', `{"password":"${JSON_ESCAPED}"}\n`],
    ['URL-encoded', `postgres://app:${encodeURIComponent(SECRET)}@db/app\n`],
  ])('finds the %s form', async (form, content) => {
    await writeFile(path.join(project.runDir, 'events.ndjson'), `{"type":"run.start"}\n${content}`);

    const leaks = await findLeaksInFolder(project.runDir, redactor);

    expect(leaks).toHaveLength(1);
    expect(leaks[0]!.file).toBe('events.ndjson');
    expect(leaks[0]!.form).toBe(form);
    expect(leaks[0]!.line).toBe(2);
    expect(leaks[0]!.secret).toBe(1);
  });

  it('scans nested folders', async () => {
    await mkdir(path.join(project.runDir, 'logs', 'pods'), { recursive: true });
    await writeFile(
      path.join(project.runDir, 'logs', 'pods', 'app-0.log'),
      `connecting with ${SECRET}\n`,
    );

    const leaks = await findLeaksInFolder(project.runDir, redactor);

    expect(leaks.map((leak) => leak.file)).toEqual([path.join('logs', 'pods', 'app-0.log')]);
  });

  it('does not follow symbolic links', async () => {
    const outside = path.join(project.root, 'outside.txt');
    await writeFile(outside, SECRET);
    await symlink(outside, path.join(project.runDir, 'link.txt'));

    expect(await findLeaksInFolder(project.runDir, redactor)).toEqual([]);
  });

  it('describes a leak without the value', async () => {
    await writeFile(path.join(project.runDir, 'debug.txt'), SECRET);
    const [leak] = await findLeaksInFolder(project.runDir, redactor);

    const description = describeLeak(leak!);

    expect(description).toBe('secret #1 appears in debug.txt line 1 (raw form)');
    expect(description).not.toContain(SECRET);
  });

  it('returns nothing for a clean folder', async () => {
    expect(await findLeaksInFolder(project.runDir, redactor)).toEqual([]);
  });
});

describe('renderRunReport leak check', () => {
  it('passes a clean run', async () => {
    const result = await renderRunReport(project.runDir, { root: project.root, redactor });

    expect(result.leakCheck).toBe('passed');
    expect(result.problems).toEqual([]);
  });

  it('fails on a secret planted in run.json and masks it in the reports', async () => {
    const record = structuredClone(project.record);
    record.scenarios[1]!.observations[1]!.message = `login failed for app with password ${SECRET}`;
    await project.writeRecord(record);

    const result = await renderRunReport(project.runDir, { root: project.root, redactor });

    expect(result.leakCheck).toBe('failed');
    expect(result.leaks.map((leak) => [leak.file, leak.form])).toEqual([
      ['run.json', 'JSON-escaped'],
    ]);
    expect(result.problems).toEqual([describeLeak(result.leaks[0]!)]);
    const markdown = await readFile(path.join(project.runDir, 'report.md'), 'utf8');
    expect(markdown).toContain(`login failed for app with password ${MASK}`);
    expect(markdown).not.toContain(JSON_ESCAPED);
  });

  it('fails on a secret planted in a file written beside the report', async () => {
    await appendFile(
      path.join(project.runDir, 'events.ndjson'),
      `{"message":"secret is ${BASE64}"}\n`,
    );

    const result = await renderRunReport(project.runDir, { root: project.root, redactor });

    expect(result.leakCheck).toBe('failed');
    expect(result.leaks).toEqual([{ file: 'events.ndjson', line: 1, form: 'base64', secret: 1 }]);
  });
});
