import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../lab/report/junit.ts';
import type { RunRecord } from '../../lab/run/record.ts';

const FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/runs/full/run.json',
);
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;

async function fixture(): Promise<RunRecord> {
  return JSON.parse(await readFile(FIXTURE, 'utf8')) as RunRecord;
}

/** Counts with Python's XML parser, which also proves the file is well-formed. */
function parseCounts(xml: string): Record<string, string> {
  const script = [
    'import sys, json, xml.dom.minidom',
    'root = xml.dom.minidom.parseString(sys.stdin.read()).documentElement',
    'print(json.dumps({k: root.getAttribute(k) for k in ("tests", "failures", "errors", "skipped")}))',
  ].join('\n');
  const parsed = spawnSync('python3', ['-c', script], { input: xml });
  expect(parsed.stderr.toString()).toBe('');
  return JSON.parse(parsed.stdout.toString()) as Record<string, string>;
}

describe('renderJunit', () => {
  it.skipIf(!HAS_PYTHON)('counts cases, failures and skips', async () => {
    const counts = parseCounts(renderJunit(await fixture(), { brokenLinks: [] }));
    expect(counts).toEqual({ tests: '13', failures: '1', errors: '0', skipped: '1' });
  });

  it.skipIf(!HAS_PYTHON)(
    'stays well-formed with markup and control characters in messages',
    async () => {
      const record = await fixture();
      record.scenarios[1]!.checks[1]!.message = 'got <html> & "quotes" \u0007bell ]]> end';
      const xml = renderJunit(record, { brokenLinks: [] });
      expect(parseCounts(xml).failures).toBe('1');
      expect(xml).toContain('got &lt;html&gt; &amp; &quot;quotes&quot; bell ]]&gt; end');
    },
  );

  it('reports a scenario that errored before grading as an error', async () => {
    const record = await fixture();
    record.scenarios[0]!.status = 'errored';
    record.scenarios[0]!.checks = [];
    record.scenarios[0]!.error = 'basecamp did not become ready within 2m';
    const xml = renderJunit(record, { brokenLinks: [] });
    expect(xml).toContain(
      '<error message="basecamp did not become ready within 2m" type="errored">basecamp did not become ready within 2m</error>',
    );
    expect(xml).toMatch(
      /<testsuite name="eso-expired-vault-token" tests="1" failures="0" errors="1"/,
    );
  });

  it('carries the runbook link in the failure message', async () => {
    const xml = renderJunit(await fixture(), { brokenLinks: [] });
    expect(xml).toContain(
      '(runbook: runbooks/rotation-broke-deployment.md#rotation-under-load, ADR: adrs/0003-rotation-cadence.md)" type="check">',
    );
  });

  it('fails the link case when a link is broken', async () => {
    const xml = renderJunit(await fixture(), {
      brokenLinks: [{ href: '../../runbooks/x.md#y', reason: 'file runbooks/x.md not found' }],
    });
    expect(xml).toContain(
      '<failure message="1 runbook or ADR link does not resolve" type="links">../../runbooks/x.md#y: file runbooks/x.md not found</failure>',
    );
  });
});
