/**
 * Vault's duration inputs: an integer number of seconds, or a Go duration
 * string such as `1h30m` (sdk/helper/parseutil ParseDurationSecond).
 */
import { badRequest } from './errors.ts';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a duration field into whole seconds; throws a 400 naming the field. */
export function parseDurationSeconds(field: string, value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    throw badRequest(
      `invalid ${field}: must be a non-negative whole number of seconds, received ${value}`,
    );
  }
  if (typeof value !== 'string') {
    throw badRequest(
      `invalid ${field}: expected a duration such as "1h" or 3600, received ${typeof value}`,
    );
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw badRequest(
      `invalid ${field}: expected a duration such as "1h30m" or 3600, received ${JSON.stringify(value)}`,
    );
  }
  let seconds = 0;
  for (const [, amount, unit] of parts)
    seconds += Number(amount) * (UNIT_SECONDS[unit as string] ?? 0);
  return Math.floor(seconds);
}

/** Formats seconds as Go's time.Duration String() does (`768h0m0s`), as Vault prints it in warnings. */
export function formatGoDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}
