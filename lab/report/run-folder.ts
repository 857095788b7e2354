/**
 * Finding a run folder by id (`reports/<run-id>/`, or `latest`) and reading
 * its `run.json` with every problem reported at once.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../core/errors.ts';
import type { RunRecord } from '../run/record.ts';
import { parseRunRecord } from './run-record-schema.ts';

export const RUN_RECORD_FILE = 'run.json';

const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Resolves `reference` to a run folder: `latest`, a run id under
 * `<root>/reports/`, or a path to a folder containing run.json.
 */
export async function resolveRunDir(root: string, reference: string): Promise<string> {
  const reportsDir = path.join(root, 'reports');
  const looksLikePath =
    reference.includes('/') || reference.includes(path.sep) || reference.startsWith('.');
  if (looksLikePath) {
    const dir = path.resolve(reference);
    if (await hasRunRecord(dir)) return dir;
    throw new InvalidInputError(`run folder ${dir} has no ${RUN_RECORD_FILE}`, {
      hint: `give a folder written by lab run, or a run id from ${reportsDir}`,
    });
  }
  if (!RUN_ID_PATTERN.test(reference)) {
    throw new InvalidInputError(
      `invalid run id "${reference}": use letters, digits, ".", "_" and "-", starting with a letter or digit`,
      { hint: 'use latest, or a folder name under reports/' },
    );
  }
  const dir = path.join(reportsDir, reference);
  if (await hasRunRecord(dir)) return reference === 'latest' ? realpath(dir) : dir;
  const known = await listRunIds(reportsDir);
  const listing =
    known.length > 0
      ? `known runs: ${known.slice(-5).join(', ')}`
      : `no run found in ${reportsDir}`;
  throw new InvalidInputError(`run "${reference}" not found: ${dir} has no ${RUN_RECORD_FILE}`, {
    hint: `${listing}; run lab run first, or give a path to a run folder`,
  });
}

/** Reads and validates `<runDir>/run.json`. */
export async function readRunRecord(runDir: string): Promise<RunRecord> {
  const file = path.join(runDir, RUN_RECORD_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read ${file}: ${(error as Error).message}`, {
      hint: 'give a run folder written by lab run',
      cause: error,
    });
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`invalid JSON in ${file}: ${(error as Error).message}`, {
      hint: 'the file may be truncated; re-run the scenario to write it again',
      cause: error,
    });
  }

  const parsed = parseRunRecord(value);
  if ('problems' in parsed) {
    const listed = parsed.problems.slice(0, 20).map((problem) => `  ${problem}`);
    const more = parsed.problems.length > 20 ? [`  and ${parsed.problems.length - 20} more`] : [];
    throw new InvalidInputError(
      `invalid run record ${file} (${plural(parsed.problems.length, 'problem')}):\n${[...listed, ...more].join('\n')}`,
      { hint: 'the fields are documented in docs/run-json.md' },
    );
  }
  return parsed.record;
}

async function hasRunRecord(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, RUN_RECORD_FILE))).isFile();
  } catch {
    return false;
  }
}

async function listRunIds(reportsDir: string): Promise<string[]> {
  try {
    const entries = await readdir(reportsDir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory() && entry.name !== 'latest')
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
