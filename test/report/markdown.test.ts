import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { headingAnchors } from '../../lab/core/anchors.ts';
import { planCharts } from '../../lab/report/chart-plan.ts';
import { linkTargets } from '../../lab/report/links.ts';
import { renderMarkdown } from '../../lab/report/markdown.ts';
import type { RunRecord } from '../../lab/run/record.ts';

const FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/runs/full/run.json',
);

async function fixture(): Promise<RunRecord> {
  return JSON.parse(await readFile(FIXTURE, 'utf8')) as RunRecord;
}

function render(record: RunRecord): string {
  return renderMarkdown(record, { rootPrefix: '../../', charts: planCharts(record) });
}

describe('renderMarkdown', () => {
  it.each([
    [['/work/main/bin/lab.js', 'run', 'vault-sealed'], '`lab run vault-sealed`'],
    [['lab', 'run'], '`lab run`'],
    [['npx', 'lab', 'run'], '`npx lab run`'],
    [[], '`lab run`'],
  ])('shows the command %j', async (argv, shown) => {
    const record = await fixture();
    record.argv = argv;
    expect(render(record)).toContain(`Command: ${shown}.`);
  });

  it('marks a partial record', async () => {
    const record = await fixture();
    record.status = 'running';
    expect(render(record)).toContain('**Verdict: still running (partial record).**');
  });

  it('reports a run without scenarios', async () => {
    const record = await fixture();
    record.scenarios = [];
    const markdown = render(record);
    expect(markdown).toContain('**Verdict: failed.** 0 scenarios.');
    expect(markdown).toContain('No scenario ran.');
  });

  it('links every scenario row to its section', async () => {
    const markdown = render(await fixture());
    const anchors = headingAnchors(markdown);
    const internal = linkTargets(markdown).filter((href) => href.startsWith('#'));
    expect(internal).toHaveLength(5);
    for (const href of internal) expect(anchors).toContain(href.slice(1));
  });

  it('numbers repeated scenarios apart', async () => {
    const record = await fixture();
    record.scenarios = [record.scenarios[1]!, structuredClone(record.scenarios[1]!)];
    const markdown = render(record);
    const internal = new Set(linkTargets(markdown).filter((href) => href.startsWith('#')));
    expect([...internal]).toEqual([
      '#scenario-rotate-the-database-password-under-load',
      '#scenario-rotate-the-database-password-under-load-1',
    ]);
    expect(headingAnchors(markdown)).toContain(
      'scenario-rotate-the-database-password-under-load-1',
    );
    expect(markdown).toContain(
      '![Latency p50 and p99 per second](rotation-under-load-1-latency.svg)',
    );
  });

  it('lists failed required checks first', async () => {
    const markdown = render(await fixture());
    const start = markdown.indexOf('## Failed required checks');
    const end = markdown.indexOf('## Scenario: ');
    expect(start).toBeGreaterThan(markdown.indexOf('## Scenarios'));
    expect(start).toBeLessThan(end);
    const summary = markdown.slice(start, end);
    expect(summary).toContain('| No failed requests during rotation (`zero-failed-requests`) |');
    expect(summary).not.toContain('p99-during-rotation');
  });

  it('omits the summary when nothing required failed', async () => {
    const record = await fixture();
    record.scenarios = [record.scenarios[0]!];
    expect(render(record)).not.toContain('## Failed required checks');
  });

  it('caps the symptom table', async () => {
    const record = await fixture();
    const template = record.scenarios[0]!.observations[2]!;
    record.scenarios[0]!.observations = Array.from({ length: 15 }, (_, index) => ({
      ...template,
      message: `distinct failure ${index}`,
    }));
    const markdown = render(record);
    expect(markdown).toContain('`distinct failure 11`');
    expect(markdown).not.toContain('`distinct failure 12`');
    expect(markdown).toContain('3 more distinct failing observations are in run.json.');
  });

  it('shows missing statistics as n/a', async () => {
    const record = await fixture();
    const load = record.scenarios[1]!.load!;
    load.thresholds[0]!.actual = Number.NaN;
    load.windows[1] = {
      ...load.windows[1]!,
      p50: Number.NaN,
      p90: Number.NaN,
      p99: Number.NaN,
      max: Number.NaN,
      rps: Number.NaN,
    };
    const markdown = render(record);
    expect(markdown).toContain(
      '| failed | `http_req_failed` | `rate==0` | during-rotation | n/a (no samples) |',
    );
    expect(markdown).toContain(
      '| during-rotation | 20.0s | 40.0s | 1000 | 181 | 18.10% | n/a | n/a | n/a | n/a | n/a |',
    );
    expect(markdown).not.toContain('NaN');
  });

  it('says when a failed check has no runbook', async () => {
    const record = await fixture();
    const scenario = record.scenarios[0]!;
    delete scenario.runbook;
    scenario.adrs = [];
    scenario.checks[0]!.passed = false;
    delete scenario.checks[0]!.runbook;
    delete scenario.checks[0]!.adr;
    const markdown = render(record);
    expect(markdown).toContain('  - Runbook: none linked\n  - ADR: none linked');
  });
});
