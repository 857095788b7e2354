import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseK6Output, recordK6Output } from '../../lab/load/k6-output.ts';
import { summarize } from '../../lab/load/load-run.ts';
import { resolveLoadProfile } from '../../lab/load/profile.ts';
import { LoadRecorder } from '../../lab/load/recorder.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'k6');
const ORIGIN = Date.parse('2026-12-04T10:00:00Z');

async function fixture(name: string): Promise<string> {
  return readFile(join(fixtures, name), 'utf8');
}

describe('k6 NDJSON output', () => {
  it.each(['metric-first.json', 'type-first.json'])('parses %s', async (name) => {
    const output = parseK6Output(await fixture(name), name);

    expect(output.metrics).toEqual([
      'http_reqs',
      'http_req_duration',
      'http_req_failed',
      'dropped_iterations',
    ]);
    expect(output.requests).toHaveLength(10);
    expect(output.failedPoints).toBe(3);
    expect(output.dropped).toHaveLength(2);
    expect(output.requests[0]).toEqual({
      startEpochMs: ORIGIN + 100 - 12.5,
      durationMs: 12.5,
      status: 200,
    });
    expect(output.requests.map((request) => request.kind).filter(Boolean)).toEqual([
      'http-5xx',
      'refused',
      'timeout',
    ]);
  });

  it('reads both key orders the same', async () => {
    const first = parseK6Output(await fixture('metric-first.json'));
    const second = parseK6Output(await fixture('type-first.json'));

    expect(second).toEqual(first);
  });

  it('ignores a cut-off last line', async () => {
    const output = parseK6Output(await fixture('truncated.json'));

    expect(output.requests).toHaveLength(10);
    expect(output.dropped).toHaveLength(1);
  });

  it('rejects a broken line in the middle', () => {
    const text =
      '{"type":"Metric","metric":"http_reqs","data":{}}\nnot json\n{"type":"Metric","metric":"x","data":{}}\n';

    expect(() => parseK6Output(text, 'out.json')).toThrow('out.json:2: line is not JSON');
  });

  it('rejects a point without a valid time', () => {
    const text =
      '{"type":"Point","metric":"http_req_duration","data":{"time":"yesterday","value":3,"tags":{"status":"200"}}}\n';

    expect(() => parseK6Output(text, 'out.json')).toThrow(
      /out.json:1: point time "yesterday" is not an RFC 3339 time/,
    );
  });

  it('builds the same summary shape as the built-in engine', async () => {
    const profile = resolveLoadProfile({
      url: 'http://127.0.0.1:30080/',
      rate: 4,
      duration: '3s',
      thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(99)<250'] },
    });
    const recorder = new LoadRecorder();
    recorder.mark('before', 0);
    recorder.mark('during', 1000);
    recorder.mark('after', 2000);
    recordK6Output(recorder, parseK6Output(await fixture('metric-first.json')), ORIGIN);
    const summary = summarize('k6', profile, recorder, 3000);

    expect(summary.engine).toBe('k6');
    expect(summary.overall.requests).toBe(10);
    expect(summary.overall.failed).toBe(3);
    expect(summary.overall.dropped).toBe(2);
    expect(summary.series.map((row) => [row.second, row.requests, row.failed])).toEqual([
      [0, 4, 0],
      // The timed-out request ended at 2.050 s after 1000 ms, so it started in second 1.
      [1, 4, 3],
      [2, 2, 0],
    ]);
    const before = summary.windows.find((window) => window.name === 'before')!;
    expect(before.failed).toBe(0);
    expect(before.max).toBe(30);
    const failedRate = summary.thresholds.filter((t) => t.metric === 'http_req_failed');
    expect(failedRate.map((t) => [t.window, t.passed])).toEqual([
      ['overall', false],
      ['before', true],
      ['during', false],
      ['after', true],
    ]);
  });
});
