import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { PROJECT_ROOT } from './run-cli.ts';

vi.setConfig({ testTimeout: 180_000 });

const folder = mkdtempSync(path.join(os.tmpdir(), 'lab-bench-'));
// Outside the project the .ts files need their own package.json to load as ES modules.
writeFileSync(path.join(folder, 'package.json'), '{ "type": "module" }\n');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function runBench(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/bench.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

const BENCH = `export const benchmark = {
  id: 'sample',
  async run() {
    return [{ id: 'sample-table', title: 'Sample', description: 'Counts to three.', columns: ['n', 'square'], rows: [[1, 1], [2, 4], [3, 9]] }];
  },
};
`;

describe('bin/bench.js', () => {
  test('rewrites marked tables and appends new ones', async () => {
    writeFileSync(path.join(folder, 'sample.bench.ts'), BENCH);
    writeFileSync(path.join(folder, 'broken.bench.ts'), 'export const nothing = 1;\n');
    const file = path.join(folder, 'BENCHMARKS.md');
    writeFileSync(
      file,
      '# Benchmarks\n\nIntro.\n\n<!-- bench:sample-table -->\nold numbers\n<!-- /bench:sample-table -->\n\nTail.\n',
    );

    const result = await runBench(['--dir', folder, '--file', file, 'sample']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/DONE {2}.*sample\.bench\.ts \(\d+\.\ds\): sample-table/);

    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('old numbers');
    expect(text).toContain(
      '| n | square |\n| --- | --- |\n| 1 | 1 |\n| 2 | 4 |\n| 3 | 9 |\n<!-- /bench:sample-table -->\n\nTail.\n',
    );
    expect(text).toContain('Command: `npm run bench -- sample`');
    expect(text).toMatch(/Machine: \d+ cores \(.*\), \d+\.\d GiB, Node v\d+/);
    expect(
      text.startsWith('# Benchmarks\n\nIntro.\n\n<!-- bench:sample-table -->\nCounts to three.\n'),
    ).toBe(true);
  });

  test('file without benchmark export fails', async () => {
    const file = path.join(folder, 'BENCHMARKS.md');
    writeFileSync(file, '# Benchmarks\n');
    const result = await runBench(['--dir', folder, '--file', file, 'broken']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /FAIL {2}.*broken\.bench\.ts \(\d+\.\ds\): exited with code 2 and no result/,
    );
    expect(readFileSync(file, 'utf8')).toBe('# Benchmarks\n');
  });

  test('unknown option exits 2', async () => {
    const result = await runBench(['--fast']);
    expect(result.code).toBe(2);
  });
});
