import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintAdrs, lintRunbooks, listMarkdown, loadRunbooks } from '../../lab/runbook/lint.ts';

const FIXTURE_ROOT = path.resolve(import.meta.dirname, '../fixtures/runbooks/root');
const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

describe('lintRunbooks on a broken runbook', async () => {
  const runbooks = await loadRunbooks(FIXTURE_ROOT, ['runbooks/broken.md']);
  const messages = (await lintRunbooks(FIXTURE_ROOT, runbooks)).map((p) => `${p.line}: ${p.message}`);

  it('reports an unannotated block with its line', () => {
    expect(messages).toContain(
      '22: code block has no lab annotation: add {lab=diagnose|fix|verify|example} after "sh"',
    );
  });

  it('reports a step under the wrong part', () => {
    expect(messages).toContain('12: a {lab=fix} block belongs under ### Fix, not ### Diagnosis');
  });

  it('reports missing parts and a missing scenario', () => {
    expect(messages).toContain('3: section "First cause" lacks ### Prevention');
    expect(messages).toContain('26: section "Second cause" lacks ### Verification, ### Prevention');
    expect(messages).toContain(
      '26: section "Second cause" names scenario "no-such-scenario", which no file under scenarios/ defines',
    );
  });

  it('reports a missing file and a missing heading, and accepts a good link', () => {
    expect(messages).toContain('8: link "../adrs/0009.md" names a file that does not exist (adrs/0009.md)');
    expect(messages).toContain('8: link "../adrs/0001-demo.md#nope": no heading with anchor "#nope" in adrs/0001-demo.md');
    expect(messages.filter((m) => m.includes('#decision'))).toEqual([]);
  });
});

describe('lintAdrs', () => {
  it('reports a missing part', async () => {
    const problems = await lintAdrs(FIXTURE_ROOT, ['adrs/0001-demo.md']);
    expect(problems).toEqual([{ file: 'adrs/0001-demo.md', line: 1, message: 'ADR lacks a "## Consequences" section' }]);
  });
});

describe('shipped runbooks and ADRs', () => {
  it('lint clean', async () => {
    const runbookFiles = await listMarkdown(PROJECT_ROOT, 'runbooks');
    const adrFiles = await listMarkdown(PROJECT_ROOT, 'adrs');
    expect(adrFiles.length).toBeGreaterThanOrEqual(3);
    const problems = [
      ...(await lintRunbooks(PROJECT_ROOT, await loadRunbooks(PROJECT_ROOT, runbookFiles))),
      ...(await lintAdrs(PROJECT_ROOT, adrFiles)),
    ];
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
  });
});
