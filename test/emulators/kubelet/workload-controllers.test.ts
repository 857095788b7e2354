import { describe, expect, it } from 'vitest';
import { podTemplateHash, resolveIntOrPercent, safeEncode } from '../../../lab/emulators/kubelet/workload-controllers.ts';

describe('resolveIntOrPercent', () => {
  // Rounding of pkg/controller/deployment/util (ResolveFenceposts): surge rounds up, unavailable down.
  it.each([
    [undefined, 2, '25%', true, 1],
    [undefined, 2, '25%', false, 0],
    ['50%', 3, '25%', true, 2],
    ['50%', 3, '25%', false, 1],
    [1, 10, '25%', true, 1],
    ['3', 10, '25%', true, 3],
  ])('%s of %i (fallback %s, up %s) is %i', (value, total, fallback, up, expected) => {
    expect(resolveIntOrPercent(value, total, fallback, up)).toBe(expected);
  });
});

describe('podTemplateHash', () => {
  it('ignores key order', () => {
    expect(podTemplateHash({ a: 1, b: { c: 2, d: 3 } })).toBe(podTemplateHash({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('changes with the template', () => {
    expect(podTemplateHash({ env: [{ name: 'A', value: '1' }] })).not.toBe(podTemplateHash({ env: [{ name: 'A', value: '2' }] }));
  });

  it('uses the safe alphabet', () => {
    expect(podTemplateHash({})).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    expect(safeEncode(Buffer.from([0, 1, 2]), 5)).toHaveLength(5);
  });
});
