import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../../lab/runbook/parse.ts';

const SAMPLE = `# Sample runbook

## Expired Vault token
<!-- lab: scenario=eso-vault-token-expired -->

### Symptoms

Text.

### Diagnosis

\`\`\`sh {lab=diagnose expect="SecretSyncedError" retry=30s}
kubectl get externalsecret -n basecamp app-db
\`\`\`

\`\`\`sh {lab=diagnose requires=vault}
vault token lookup
\`\`\`

### Fix

\`\`\`sh {lab=fix timeout=10s expect-not="error"}
echo fixed
\`\`\`

### Verification

See [the ADR](../adrs/0002.md#decision).

### Prevention

Text.

## Second section

\`\`\`sh
echo unannotated
\`\`\`

\`\`\`sh {lab=repair bogus=1}
echo wrong kind
\`\`\`
`;

describe('parseRunbook', () => {
  const runbook = parseRunbook(SAMPLE, 'runbooks/sample.md');

  it('reads the title and sections with anchors', () => {
    expect(runbook.title).toBe('Sample runbook');
    expect(runbook.sections.map((s) => s.anchor)).toEqual(['expired-vault-token', 'second-section']);
  });

  it('ties a section to its scenario', () => {
    expect(runbook.sections[0]!.scenarios).toEqual(['eso-vault-token-expired']);
    expect(runbook.sections[1]!.scenarios).toEqual([]);
  });

  it('records the line of each part', () => {
    expect(runbook.sections[0]!.parts).toEqual({ symptoms: 6, diagnosis: 10, fix: 20, verification: 26, prevention: 30 });
  });

  it('reads step attributes', () => {
    const [diagnose, vault, fix] = runbook.sections[0]!.steps;
    expect(diagnose).toMatchObject({ kind: 'diagnose', part: 'diagnosis', expect: 'SecretSyncedError', retryMs: 30_000, line: 12 });
    expect(diagnose!.command).toBe('kubectl get externalsecret -n basecamp app-db\n');
    expect(vault!.requires).toEqual(['vault']);
    expect(fix).toMatchObject({ kind: 'fix', part: 'fix', timeoutMs: 10_000, expectNot: 'error' });
  });

  it('collects links with lines', () => {
    expect(runbook.links).toEqual([{ target: '../adrs/0002.md#decision', line: 28 }]);
  });

  it('reports unannotated blocks, unknown kinds and attributes', () => {
    expect(runbook.problems).toEqual([
      { line: 36, message: 'code block has no lab annotation: add {lab=diagnose|fix|verify|example} after "sh"' },
      { line: 40, message: 'unknown attribute "bogus": use one of lab, expect, expect-not, retry, timeout, requires' },
      { line: 40, message: 'lab="repair" is not a step kind: use one of diagnose, fix, verify, example' },
    ]);
  });

  it('keeps backslashes of a pattern and unescapes quotes', () => {
    const parsed = parseRunbook('# T\n\n## S\n\n```sh {lab=diagnose expect="^\\S+ \\"x\\": \\d$"}\nx\n```\n', 'f.md');
    expect(parsed.sections[0]!.steps[0]!.expect).toBe('^\\S+ "x": \\d$');
  });

  it('reports an invalid pattern and duration', () => {
    const broken = parseRunbook('# T\n\n## S\n\n```sh {lab=fix expect="(" retry=soon}\nx\n```\n', 'f.md');
    expect(broken.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('expect="(" is not a valid regular expression'),
      'retry: invalid duration "soon": use a number with a unit (ms, s, m, h), for example 30s or 1m30s',
    ]);
  });
});
