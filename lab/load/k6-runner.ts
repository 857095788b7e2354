/**
 * Runs a load profile with the k6 binary: writes the generated script to a
 * temporary folder, runs `k6 run --out json=FILE`, and parses the NDJSON into
 * the same recorder the built-in engine uses. k6 exits 99 when its
 * thresholds fail, which is a result here and not an error, because the lab
 * evaluates the thresholds itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { EnvironmentError, LabError } from '../core/errors.ts';
import type { LoadSummary } from '../run/record.ts';
import { parseK6Output, recordK6Output } from './k6-output.ts';
import { k6Script } from './k6-script.ts';
import { type LoadRun, type RunLoadOptions, summarize } from './load-run.ts';
import type { LoadProfile } from './profile.ts';
import { LoadRecorder } from './recorder.ts';

/** k6's exit code when thresholds failed. */
export const K6_THRESHOLDS_FAILED = 99;

/** Returns the path of `k6` on PATH, or undefined. */
export async function findK6(path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'k6');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Starts k6 on the profile; throws EnvironmentError when k6 is not installed. */
export async function runK6Load(
  profile: LoadProfile,
  options: RunLoadOptions = {},
  k6Path?: string,
): Promise<LoadRun> {
  const binary = k6Path ?? (await findK6());
  if (!binary) {
    throw new EnvironmentError('k6 was requested as the load engine but is not on PATH', {
      hint: 'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or use --load-engine builtin',
    });
  }
  const folder = await mkdtemp(join(tmpdir(), 'lab-k6-'));
  await writeFile(join(folder, 'script.js'), k6Script(profile));
  return new K6LoadRun(profile, options, binary, folder);
}

class K6LoadRun implements LoadRun {
  readonly engine = 'k6' as const;
  readonly profile: LoadProfile;
  readonly #recorder = new LoadRecorder();
  readonly #folder: string;
  readonly #startedEpochMs = Date.now();
  readonly #startedAt = performance.now();
  readonly #child: ChildProcess;
  readonly #finished: Promise<LoadSummary>;
  #stderr = '';

  constructor(profile: LoadProfile, options: RunLoadOptions, binary: string, folder: string) {
    this.profile = profile;
    this.#folder = folder;
    const outputFile = join(folder, 'out.json');
    this.#child = spawn(
      binary,
      ['run', '--quiet', '--no-color', '--out', `json=${outputFile}`, 'script.js'],
      {
        cwd: folder,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000);
    });
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
    this.#finished = this.#waitAndParse(outputFile, options);
    this.#finished.catch(() => {});
  }

  elapsedMs(): number {
    return performance.now() - this.#startedAt;
  }

  mark(name: string): void {
    this.#recorder.mark(name, this.elapsedMs());
  }

  closeWindow(): void {
    this.#recorder.closeWindow(this.elapsedMs());
  }

  /** Sends SIGINT, on which k6 stops its executors and still writes the output. */
  stop(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill('SIGINT');
  }

  done(): Promise<LoadSummary> {
    return this.#finished;
  }

  async #waitAndParse(outputFile: string, options: RunLoadOptions): Promise<LoadSummary> {
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        this.#child.once('error', reject);
        this.#child.once('exit', (exitCode) => resolve(exitCode));
      });
      const endMs = this.elapsedMs();
      if (code !== 0 && code !== K6_THRESHOLDS_FAILED && !options.signal?.aborted) {
        throw new LabError(
          `k6 exited with code ${code}: ${this.#stderr.trim().split('\n').at(-1) ?? ''}`,
          1,
          {
            hint: `run the script by hand to see why: k6 run ${join(this.#folder, 'script.js')}`,
          },
        );
      }
      const output = parseK6Output(await readFile(outputFile, 'utf8'), outputFile);
      recordK6Output(this.#recorder, output, this.#startedEpochMs);
      for (const row of this.#recorder.series()) options.onSecond?.(row);
      return summarize(
        'k6',
        this.profile,
        this.#recorder,
        Math.min(endMs, this.profile.durationMs + 30_000),
        this.#startedEpochMs,
      );
    } finally {
      this.#recorder.destroy();
      await rm(this.#folder, { recursive: true, force: true });
    }
  }
}
