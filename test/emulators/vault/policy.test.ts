/**
 * ACL policy parsing and the priority rules of Vault's documented "Priority
 * matching" (website/content/docs/concepts/policies.mdx), checked with
 * fast-check against an independent tuple-ordering model of those rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../lab/emulators/vault/errors.ts';
import {
  type Capability,
  capabilitiesFor,
  comparePriority,
  type ParsedPolicy,
  parsePolicy,
  patternMatches,
} from '../../../lab/emulators/vault/policy.ts';

/** Builds the rules as a sort key, compared left to right; a larger key has higher priority. */
function priorityKey(pattern: string): Array<number | string> {
  const positions = [pattern.indexOf('+'), pattern.indexOf('*')].filter((p) => p >= 0);
  const firstWildcard = positions.length === 0 ? Number.MAX_SAFE_INTEGER : Math.min(...positions);
  const plusSegments = pattern.split('/').filter((s) => s === '+').length;
  return [firstWildcard, pattern.endsWith('*') ? 0 : 1, -plusSegments, pattern.length, pattern];
}

function modelCompare(a: string, b: string): number {
  const keyA = priorityKey(a);
  const keyB = priorityKey(b);
  for (let i = 0; i < keyA.length; i += 1) {
    const left = keyA[i] as number | string;
    const right = keyB[i] as number | string;
    if (left !== right) return left < right ? -1 : 1;
  }
  return 0;
}

const segment = fc.constantFrom('a', 'b', 'app', 'data');
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

/** Generates a pattern that matches `target`: some segments become `+`, and it may be cut short with `*`. */
function patternFor(target: string): fc.Arbitrary<string> {
  const parts = target.split('/');
  return fc
    .tuple(
      fc.array(fc.boolean(), { minLength: parts.length, maxLength: parts.length }),
      fc.nat(parts.length),
      fc.nat(3),
    )
    .map(([plus, cut, trim]) => {
      const kept = parts.map((part, i) => (plus[i] ? '+' : part));
      if (cut === parts.length) return kept.join('/');
      const prefix = kept.slice(0, cut + 1);
      const last = prefix[prefix.length - 1] as string;
      prefix[prefix.length - 1] =
        last === '+' ? '+' : last.slice(0, Math.max(0, last.length - trim));
      const text = prefix.join('/');
      return text.endsWith('+') ? `${text}/*` : `${text}*`;
    })
    .filter((pattern) => patternMatches(pattern, target));
}

const capability = fc.constantFrom<Capability>(
  'create',
  'read',
  'update',
  'delete',
  'list',
  'deny',
);

function policy(name: string, rules: Array<[string, Capability[]]>): ParsedPolicy {
  return { name, rules: rules.map(([pattern, capabilities]) => ({ pattern, capabilities })) };
}

describe('ACL priority (property)', () => {
  it('orders patterns like the documented rules', () => {
    fc.assert(
      fc.property(
        path.chain((p) => fc.tuple(patternFor(p), patternFor(p))),
        ([a, b]) => {
          expect(Math.sign(comparePriority(a, b))).toBe(Math.sign(modelCompare(a, b)));
          // `|| 0` folds -0 into 0 so equal patterns compare equal both ways.
          expect(Math.sign(comparePriority(a, b)) || 0).toBe(
            -Math.sign(comparePriority(b, a)) || 0,
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('applies only the highest-priority matching pattern', () => {
    const scenario = path.chain((p) =>
      fc.tuple(
        fc.constant(p),
        fc.array(fc.tuple(patternFor(p), fc.array(capability, { minLength: 1, maxLength: 3 })), {
          minLength: 1,
          maxLength: 5,
        }),
      ),
    );
    fc.assert(
      fc.property(scenario, ([target, rules]) => {
        const policies = rules.map((rule, i) => policy(`p${i}`, [rule]));
        const best = [...rules.map(([pattern]) => pattern)].sort(modelCompare).at(-1) as string;
        const union = new Set(
          rules.filter(([pattern]) => pattern === best).flatMap(([, caps]) => caps),
        );
        const expected = union.has('deny') ? ['deny'] : [...union].sort();
        const decision = capabilitiesFor(policies, target);
        expect([...decision.capabilities].sort()).toEqual(expected);
        expect(decision.pattern).toBe(best);
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on policy order', () => {
    const scenario = path.chain((p) =>
      fc.tuple(
        fc.constant(p),
        fc.array(fc.tuple(patternFor(p), fc.array(capability, { minLength: 1, maxLength: 2 })), {
          minLength: 2,
          maxLength: 4,
        }),
      ),
    );
    fc.assert(
      fc.property(scenario, ([target, rules]) => {
        const forward = rules.map((rule, i) => policy(`p${i}`, [rule]));
        const backward = [...forward].reverse();
        expect([...capabilitiesFor(forward, target).capabilities].sort()).toEqual(
          [...capabilitiesFor(backward, target).capabilities].sort(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('prefers an exact path over any wildcard', () => {
    fc.assert(
      fc.property(
        path.chain((p) => fc.tuple(fc.constant(p), patternFor(p))),
        ([target, wildcard]) => {
          fc.pre(wildcard !== target);
          const policies = [
            policy('exact', [[target, ['read']]]),
            policy('wild', [[wildcard, ['deny']]]),
          ];
          expect([...capabilitiesFor(policies, target).capabilities]).toEqual(['read']);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ACL priority (examples)', () => {
  it.each([
    ['secret/*', 'secret/data/*', 'secret/data/x'],
    ['secret/+/x', 'secret/data/*', 'secret/data/x'],
    ['secret/+/+', 'secret/data/+', 'secret/data/x'],
    ['secret/data/*', 'secret/data/x*', 'secret/data/x1'],
  ])('%s loses to %s on %s', (lower, higher, target) => {
    expect(comparePriority(lower, higher)).toBeLessThan(0);
    const policies = [policy('low', [[lower, ['deny']]]), policy('high', [[higher, ['read']]])];
    expect([...capabilitiesFor(policies, target).capabilities]).toEqual(['read']);
  });

  it('grants root everything', () => {
    const decision = capabilitiesFor([{ name: 'root', rules: [] }], 'sys/seal');
    expect(decision.capabilities.has('sudo')).toBe(true);
  });
});

describe('parsePolicy', () => {
  it('reads blocks, comments and the legacy form', () => {
    const parsed = parsePolicy(
      'web',
      `# comment
path "secret/data/*" {
  capabilities = ["read", "list"] // trailing comment
}
/* block comment */
path "secret/old" { policy = "write" }`,
    );
    expect(parsed.rules).toEqual([
      { pattern: 'secret/data/*', capabilities: ['read', 'list'] },
      { pattern: 'secret/old', capabilities: ['create', 'read', 'update', 'delete', 'list'] },
    ]);
  });

  it.each([
    ['path "a" {\n  capabilities = ["read"\n}', /At 3:1: expected "\]"/],
    ['path "a" {\n  capabilities = ["fly"]\n}', /line 2: invalid capability "fly"/],
    ['path "a" {\n  colour = "red"\n}', /invalid key "colour" on line 2/],
    ['path "a*b" { capabilities = ["read"] }', /"\*" is only allowed as the last character/],
    ['path "a" {\n  capabilities = ["read"]\n', /expected "}", found end of file/],
    ['path "a" { capabilities = ["read"] }\nbogus "x" {}', /invalid key "bogus" on line 2/],
  ])('rejects %j', (text, message) => {
    let caught: unknown;
    try {
      parsePolicy('bad', text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VaultError);
    expect((caught as VaultError).status).toBe(400);
    expect((caught as VaultError).message).toMatch(message);
  });
});
