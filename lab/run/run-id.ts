/**
 * Run ids: the UTC start time to the second and four random hex digits,
 * `20261204T194512Z-ab12`. They sort by start time as plain strings, so the
 * folders under reports/ list in run order.
 */
import { randomBytes } from 'node:crypto';

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;

/** Creates a run id for a run starting at `now`. */
export function newRunId(now: Date = new Date(), random: Buffer = randomBytes(2)): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${random.subarray(0, 2).toString('hex').padStart(4, '0')}`;
}

/** True when `text` has the shape of a run id. */
export function isRunId(text: string): boolean {
  return RUN_ID_PATTERN.test(text);
}

/** Decodes the start time from a run id. */
export function runIdTime(runId: string): Date {
  if (!isRunId(runId))
    throw new RangeError(`invalid run id "${runId}": expected the form 20261204T194512Z-ab12`);
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(runId)!;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}
