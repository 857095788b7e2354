import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReportLinks, renderRunReport } from '../../lab/report/index.ts';
import { createReportProject, type ReportProject } from './project.ts';

let project: ReportProject;

beforeAll(async () => {
  project = await createReportProject();
});

afterAll(async () => {
  await project.remove();
});

function check(markdown: string) {
  return checkReportLinks(markdown, { root: project.root, baseDir: project.runDir });
}

describe('checkReportLinks', () => {
  it('accepts a runbook section and a whole ADR', async () => {
    const markdown =
      '# Report\n\n[a](../../runbooks/eso-sync-failing.md#missing-rbac) [b](../../adrs/0003-rotation-cadence.md)\n';
    expect(await check(markdown)).toEqual([]);
  });

  it.each([
    [
      'a missing heading',
      '../../runbooks/eso-sync-failing.md#expired-token',
      'runbooks/eso-sync-failing.md has no heading with anchor #expired-token',
    ],
    [
      'a missing file',
      '../../runbooks/nope.md#x',
      `file ${path.join('runbooks', 'nope.md')} not found`,
    ],
    ['a path outside the project', '../../../etc/hosts', 'is outside the project root'],
    [
      'a missing heading of the report',
      '#nowhere',
      'the report has no heading with anchor #nowhere',
    ],
  ])('reports %s', async (_case, href, reason) => {
    const broken = await check(`# Report\n\nSee [it](${href}).\n`);

    expect(broken).toHaveLength(1);
    expect(broken[0]!.href).toBe(href);
    expect(broken[0]!.reason).toContain(reason);
  });

  it('lists the anchors the file has', async () => {
    const [broken] = await check('[x](../../runbooks/vault-sealed.md#sealed)\n');
    expect(broken!.reason).toContain('its anchors: vault-sealed, vault-is-sealed');
  });

  it('does not fetch absolute URLs', async () => {
    expect(
      await check('[x](https://example.invalid/runbook.md#a) [y](mailto:oncall@example.invalid)\n'),
    ).toEqual([]);
  });

  it('ignores links inside code spans', async () => {
    expect(await check('`[x](../../runbooks/nope.md)`\n')).toEqual([]);
  });
});

describe('renderRunReport with a broken link', () => {
  it('fails and says so in every format', async () => {
    const record = structuredClone(project.record);
    record.scenarios[0]!.checks[0]!.passed = false;
    record.scenarios[0]!.checks[0]!.runbook = {
      path: 'runbooks/eso-sync-failing.md',
      anchor: 'expired-token',
    };
    await project.writeRecord(record);

    const result = await renderRunReport(project.runDir, { root: project.root });

    const href = '../../runbooks/eso-sync-failing.md#expired-token';
    expect(result.brokenLinks.map((link) => link.href)).toEqual([href]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toContain(`broken link ${href}`);
    const markdown = await readFile(path.join(project.runDir, 'report.md'), 'utf8');
    expect(markdown).toContain('## Broken links');
    expect(markdown).toContain(`| \`${href}\` |`);
    const junit = await readFile(path.join(project.runDir, 'junit.xml'), 'utf8');
    expect(junit).toContain(
      '<failure message="1 runbook or ADR link does not resolve" type="links">',
    );
  });
});
