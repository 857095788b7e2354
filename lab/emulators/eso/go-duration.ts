/**
 * Go's time.ParseDuration, which ESO uses for `spec.refreshInterval`
 * (metav1.Duration). A duration is a sequence of decimal numbers with units
 * ns, us, µs, ms, s, m or h, such as `1h0m0s` or `90s`. A bare `0` is allowed too.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a Go duration into milliseconds; throws an error naming the value and the expected form. */
export function parseGoDuration(text: string): number {
  const input = text.trim();
  if (input === '0') return 0;
  let sign = 1;
  let body = input;
  if (body.startsWith('-') || body.startsWith('+')) {
    sign = body.startsWith('-') ? -1 : 1;
    body = body.slice(1);
  }
  if (!body) throw invalid(text);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const start = PART.lastIndex;
    const match = PART.exec(body);
    if (!match || match.index !== start) throw invalid(text);
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? 0);
  }
  return sign * total;
}

function invalid(text: string): Error {
  return new Error(
    `time: invalid duration "${text}": use Go duration syntax such as 1h0m0s, 30m or 15s (units ns, us, ms, s, m, h)`,
  );
}
