import { describe, expect, it } from 'vitest';
import { formatCount } from '../../lab/core/plural.ts';

describe('formatCount', () => {
  it.each([
    { count: 0, singular: 'problem', plural: undefined, expected: '0 problems' },
    { count: 1, singular: 'problem', plural: undefined, expected: '1 problem' },
    { count: 2, singular: 'problem', plural: undefined, expected: '2 problems' },
    { count: 1, singular: 'audit entry', plural: 'audit entries', expected: '1 audit entry' },
    { count: 3, singular: 'audit entry', plural: 'audit entries', expected: '3 audit entries' },
    { count: 1.5, singular: 'step', plural: undefined, expected: '1.5 steps' },
  ])('$count $singular', ({ count, singular, plural, expected }) => {
    expect(formatCount(count, singular, plural)).toBe(expected);
  });
});
