import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../lab/run/record.ts';
import { runScenarios } from '../../lab/run/runner.ts';
import { flagProject, flagScenario, world } from './harness.ts';

// Stand-ins for kubectl and k6 whose version commands print in the real tools' output format.
const FAKE_KUBECTL = `#!/bin/sh
echo '{"clientVersion":{"gitVersion":"v1.31.2"},"kustomizeVersion":"v5.4.2"}'
`;
const FAKE_K6 = `#!/bin/sh
echo 'k6 v0.54.0 (go1.23.1, linux/amd64)'
`;

const originalPath = process.env.PATH;
let binDir: string;

beforeEach(() => {
  world.flag = false;
  world.undos = 0;
  binDir = mkdtempSync(path.join(os.tmpdir(), 'lab-tools-'));
});

afterEach(() => {
  process.env.PATH = originalPath;
  rmSync(binDir, { recursive: true, force: true });
});

async function recordedTools(): Promise<RunRecord['environment']['tools']> {
  const { root, basecamp } = flagProject([flagScenario()]);
  const result = await runScenarios({
    root,
    paths: [],
    filters: [],
    basecampKind: 'embedded',
    basecamp,
    keep: false,
    json: false,
    argv: ['lab', 'run'],
    stdout: new PassThrough().resume(),
    stderr: new PassThrough().resume(),
    color: false,
    interactive: false,
    handleSignals: false,
  });
  const record = JSON.parse(
    readFileSync(path.join(result.runDir!, 'run.json'), 'utf8'),
  ) as RunRecord;
  return record.environment.tools;
}

describe('run.json environment.tools', () => {
  it('records kubectl and k6 versions', async () => {
    for (const [name, script] of [
      ['kubectl', FAKE_KUBECTL],
      ['k6', FAKE_K6],
    ] as const) {
      writeFileSync(path.join(binDir, name), script);
      chmodSync(path.join(binDir, name), 0o755);
    }
    process.env.PATH = `${binDir}${path.delimiter}${originalPath}`;

    expect(await recordedTools()).toEqual({ kubectl: 'v1.31.2', k6: 'v0.54.0' });
  });

  it('records null for a missing tool', async () => {
    // PATH holds only an empty folder, so neither tool is found even where it is installed.
    process.env.PATH = binDir;

    expect(await recordedTools()).toEqual({ kubectl: null, k6: null });
  });
});
