import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { EXIT_CODE_TABLE } from '../../lab/core/errors.ts';
import { PROJECT_ROOT, runCli } from './run-cli.ts';

// Each test starts the real CLI, and validate and list import every harness area, which
// can take tens of seconds on a loaded machine. These tests get a longer timeout.
vi.setConfig({ testTimeout: 180_000 });

/** Set UPDATE_GOLDEN=1 to rewrite the golden files from the current output. */
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN = path.join(PROJECT_ROOT, 'test/golden/cli');
const cwd = mkdtempSync(path.join(os.tmpdir(), 'lab-help-'));

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const GOLDEN_COMMANDS = ['validate', 'list', 'doctor', 'drill', 'check', 'hint', 'gameday'];

describe('help golden files', () => {
  test.each(GOLDEN_COMMANDS)('lab %s --help', async (command) => {
    const result = await runCli([command, '--help'], { cwd });
    const file = path.join(GOLDEN, `${command}.txt`);
    if (UPDATE) writeFileSync(file, result.stdout);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(readFileSync(file, 'utf8'));
  });
});

describe('top-level help', () => {
  test('lists every command and exit code', async () => {
    const result = await runCli(['--help'], { cwd });

    expect(result.code).toBe(0);
    const commands = [
      'up',
      'down',
      'status',
      'env',
      'serve',
      'run',
      'validate',
      'list',
      'drill',
      'check',
      'hint',
      'gameday',
      'verify-runbooks',
      'report',
      'doctor',
    ];
    for (const command of commands)
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    for (const { code, meaning } of EXIT_CODE_TABLE)
      expect(result.stdout).toContain(`${String(code).padEnd(4)} ${meaning}`);
    expect(result.stdout).toContain('--no-color');
  });

  test.each(['--version', '-V'])('%s prints the package version', async (flag) => {
    const text = readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8');
    const manifest = JSON.parse(text) as { version: string };
    const result = await runCli([flag], { cwd });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${manifest.version}\n`);
  });

  test('no command is a usage error', async () => {
    const result = await runCli([], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: lab');
  });

  test('unknown command exits 2', async () => {
    const result = await runCli(['launch'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown command 'launch'");
  });

  test('unknown option exits 2', async () => {
    const result = await runCli(['list', '--colour'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown option '--colour'");
  });
});

describe('planned commands', () => {
  test.each(['drill', 'check', 'hint'])('lab %s exits 3', async (command) => {
    const result = await runCli([command], { cwd });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: lab ${command} is not available yet\nhint: run \`lab --help\` for the commands that work in this version\n`,
    );
  });

  test('lab gameday PLAN exits 3', async () => {
    const result = await runCli(['gameday', 'plan.yaml'], { cwd });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('error: lab gameday is not available yet');
  });
});
