/**
 * Maps a request's outcome to the run record's error kinds. Network errors
 * arrive from undici (errors carry `code`, sometimes on `cause`); k6 reports
 * its own numeric `error_code` tags (grafana/k6 lib/netext/httpext/error_codes.go).
 */
import type { LoadErrorKind } from '../run/record.ts';

/** The error kind of an HTTP status; undefined for a success (below 400, as k6's expected_response default). */
export function kindOfStatus(status: number): LoadErrorKind | undefined {
  if (status >= 500) return 'http-5xx';
  if (status >= 400) return 'http-4xx';
  return undefined;
}

/** The error kind of a thrown network error, from its `code` or its cause's. */
export function kindOfError(error: unknown): LoadErrorKind {
  for (const code of codesOf(error)) {
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
      case 'ETIMEDOUT':
        return 'connect-timeout';
      case 'ECONNREFUSED':
        return 'refused';
      case 'ECONNRESET':
      case 'EPIPE':
      case 'UND_ERR_SOCKET':
        return 'reset';
      case 'UND_ERR_HEADERS_TIMEOUT':
      case 'UND_ERR_BODY_TIMEOUT':
      case 'UND_ERR_ABORTED':
      case 'ABORT_ERR':
        return 'timeout';
    }
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
    return 'timeout';
  return 'other';
}

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * The error kind of a k6 sample: its `status` tag first, then its
 * `error_code` tag. Codes: 1050 request timeout, 1211 dial timeout,
 * 1212 connection refused, 1220 reset by peer, 1201 broken pipe.
 */
export function kindOfK6Sample(
  status: number,
  errorCode: number | undefined,
): LoadErrorKind | undefined {
  const byStatus = status > 0 ? kindOfStatus(status) : undefined;
  if (byStatus) return byStatus;
  if (errorCode === undefined || errorCode === 0) return status > 0 ? undefined : 'other';
  switch (errorCode) {
    case 1050:
      return 'timeout';
    case 1211:
      return 'connect-timeout';
    case 1212:
      return 'refused';
    case 1220:
    case 1201:
      return 'reset';
  }
  if (errorCode >= 1500 && errorCode < 1600) return 'http-5xx';
  if (errorCode >= 1400 && errorCode < 1500) return 'http-4xx';
  return 'other';
}
