/** Durations as the lab prints them: milliseconds, tenths of seconds, then minutes and seconds. */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../lab/core/duration.ts';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [46, '46ms'],
    [999.4, '999ms'],
    [999.6, '1.0s'],
    [1200, '1.2s'],
    [59_940, '59.9s'],
    [59_950, '1m00s'],
    [63_000, '1m03s'],
    [119_600, '2m00s'],
    [154_000, '2m34s'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1m30s', 90_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
