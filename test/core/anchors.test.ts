import { describe, expect, it } from 'vitest';
import { headingAnchors, slugify } from '../../lab/core/anchors.ts';

describe('slugify', () => {
  it.each([
    ['Expired Vault token', 'expired-vault-token'],
    ['NetworkPolicy blocks ESO', 'networkpolicy-blocks-eso'],
    ['Who read secret X?', 'who-read-secret-x'],
    ['1. Diagnose: `kubectl describe`', '1-diagnose-kubectl-describe'],
    ['snake_case and dash-case', 'snake_case-and-dash-case'],
  ])('%s -> %s', (heading, anchor) => {
    expect(slugify(heading)).toBe(anchor);
  });
});

describe('headingAnchors', () => {
  it('numbers repeated headings and skips fenced code', () => {
    const markdown = '# Fix\n\n```sh\n# not a heading\n```\n## Fix\n### `code` heading\n';
    expect(headingAnchors(markdown)).toEqual(['fix', 'fix-1', 'code-heading']);
  });
});
