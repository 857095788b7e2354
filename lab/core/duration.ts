/**
 * Durations as written in scenario files and flags: Go-style strings such as
 * `500ms`, `30s`, `2m`, `1h30m`. Vault and Kubernetes use the same syntax
 * (Go's time.ParseDuration), so values copy across unchanged.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART_PATTERN = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** True when `text` is a duration such as `30s` or `1m30s`. */
export function isDuration(text: string): boolean {
  return DURATION_PATTERN.test(text);
}

/**
 * Parses a duration string into milliseconds.
 * Throws a RangeError naming the value when it is not a duration.
 */
export function parseDuration(text: string): number {
  if (!isDuration(text)) {
    throw new RangeError(
      `invalid duration "${text}": use a number with a unit (ms, s, m, h), for example 30s or 1m30s`,
    );
  }
  let total = 0;
  for (const match of text.matchAll(PART_PATTERN)) {
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? 0);
  }
  return Math.round(total);
}

/** Formats milliseconds for people: `850ms`, `12.4s`, `3m05s`. */
export function formatDuration(ms: number): string {
  // Each branch tests the value as it will be rounded, so 999.6 ms reads 1.0s, not 1000ms.
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
