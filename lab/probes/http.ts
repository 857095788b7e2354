/** One HTTP request to the sample service (or a given URL): status and latency. */
import { z } from 'zod';
import { request } from 'undici';
import { parseDuration } from '../core/duration.ts';
import { defineProbe } from './probe.ts';

const durationText = z.string().refine(
  (text) => {
    try {
      parseDuration(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a duration such as 500ms or 2s' },
);

export const httpProbe = defineProbe({
  name: 'http',
  description: 'an HTTP request to the service answers with the expected status within a latency limit',
  schema: z.strictObject({
    /** Path on the service URL of the basecamp. */
    path: z.string().startsWith('/').default('/healthz'),
    /** A full URL instead of the service URL plus path. */
    url: z.url().optional(),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    /** An exact code, or a class such as `2xx` or `5xx`. */
    status: z.union([z.number().int().min(100).max(599), z.enum(['2xx', '3xx', '4xx', '5xx'])]).default('2xx'),
    maxLatency: durationText.optional(),
    timeout: durationText.default('5s'),
  }),
  async check({ clients }, params) {
    const url = params.url ?? new URL(params.path, clients.endpoints.serviceUrl).toString();
    const timeoutMs = parseDuration(params.timeout);
    const started = performance.now();
    let status: number;
    try {
      const response = await request(url, {
        method: params.method,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      status = response.statusCode;
    } catch (error) {
      const latency = Math.round(performance.now() - started);
      return { ok: false, message: `${params.method} ${url} failed after ${latency}ms: ${(error as Error).message}`, value: latency };
    }
    const latency = Math.round(performance.now() - started);
    const statusOk = statusMatches(status, params.status);
    const latencyOk = params.maxLatency === undefined || latency <= parseDuration(params.maxLatency);
    const limit = params.maxLatency ? ` (limit ${params.maxLatency})` : '';
    return {
      ok: statusOk && latencyOk,
      message: `${params.method} ${url} answered ${status} in ${latency}ms${limit}, expected ${params.status}`,
      value: latency,
    };
  },
});

export function statusMatches(status: number, expected: number | string): boolean {
  if (typeof expected === 'number') return status === expected;
  return String(status)[0] === expected[0];
}
