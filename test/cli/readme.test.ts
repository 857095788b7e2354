import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXIT_CODE_TABLE } from '../../lab/core/errors.ts';
import { PROJECT_ROOT } from './run-cli.ts';

const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const ciRun = readFileSync(path.join(PROJECT_ROOT, '.ci/run'), 'utf8');

describe('README', () => {
  test('exit code table matches the code', () => {
    for (const { code, meaning } of EXIT_CODE_TABLE)
      expect(readme).toContain(`| ${code} | ${meaning} |`);
  });

  test('quickstart has the two commands', () => {
    expect(readme).toContain('```sh\nnpm ci && npx lab run\n```');
    expect(readme).toContain('```sh\nnpm ci && npm test\n```');
  });

  test('.ci/run runs the test command as written', () => {
    expect(ciRun.split('\n')).toContain('npm ci && npm test');
  });
});
