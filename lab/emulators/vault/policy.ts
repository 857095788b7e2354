/**
 * ACL policies: parsing the `path "..." { capabilities = [...] }` form and
 * deciding a request's capabilities. Matching and priority follow Vault's
 * documented rules (website/content/docs/concepts/policies.mdx, "Priority
 * matching", and vault/acl.go). Only the highest-priority matching pattern
 * applies. The same pattern in several policies takes the union, and deny
 * wins within it.
 */
import { badRequest } from './errors.ts';
import { HclSyntaxError, type HclValue, parseHcl } from './hcl.ts';

export type Capability =
  | 'create'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'list'
  | 'sudo'
  | 'deny';

export const CAPABILITIES: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
];

export interface PathRule {
  pattern: string;
  capabilities: Capability[];
}

export interface ParsedPolicy {
  name: string;
  rules: PathRule[];
}

const PATH_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
]);

/** The legacy `policy = "..."` shorthand (vault/policy.go). */
const LEGACY_POLICY: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

/** Vault's built-in `default` policy, reduced to the paths the lab uses (vault/policy_store.go). */
export const DEFAULT_POLICY = `# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to renew a lease via lease_id in the request body
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties
path "sys/leases/lookup" {
    capabilities = ["update"]
}
`;

/** Parses policy HCL; a syntax or schema error is a 400 naming the line. */
export function parsePolicy(name: string, text: string): ParsedPolicy {
  let document: ReturnType<typeof parseHcl>;
  try {
    document = parseHcl(text);
  } catch (error) {
    if (error instanceof HclSyntaxError)
      throw badRequest(`failed to parse policy: ${error.message}`);
    throw error;
  }

  for (const [key, { line }] of document.attributes) {
    if (key !== 'name')
      throw badRequest(`failed to parse policy: invalid key "${key}" on line ${line}`);
  }
  const rules: PathRule[] = [];
  for (const block of document.blocks) {
    if (block.key !== 'path')
      throw badRequest(`failed to parse policy: invalid key "${block.key}" on line ${block.line}`);
    rules.push(parsePathBlock(block.label, block.body.attributes, block.line));
  }
  return { name, rules };
}

function parsePathBlock(
  pattern: string,
  attributes: Map<string, { value: HclValue; line: number }>,
  blockLine: number,
): PathRule {
  const trimmed = pattern.replace(/^\/+/, '');
  const star = trimmed.indexOf('*');
  if (star >= 0 && star !== trimmed.length - 1) {
    throw badRequest(
      `failed to parse policy: path "${pattern}" on line ${blockLine}: "*" is only allowed as the last character`,
    );
  }
  for (const [key, { line }] of attributes) {
    if (!PATH_KEYS.has(key))
      throw badRequest(`failed to parse policy: invalid key "${key}" on line ${line}`);
  }

  const capabilities = new Set<Capability>();
  const list = attributes.get('capabilities');
  if (list !== undefined) {
    if (!Array.isArray(list.value)) {
      throw badRequest(
        `failed to parse policy: path "${pattern}" on line ${list.line}: capabilities must be a list of strings`,
      );
    }
    for (const item of list.value) {
      if (typeof item !== 'string' || !CAPABILITIES.includes(item as Capability)) {
        throw badRequest(
          `failed to parse policy: path "${pattern}" on line ${list.line}: invalid capability ${JSON.stringify(item)}`,
        );
      }
      capabilities.add(item as Capability);
    }
  }
  const legacy = attributes.get('policy');
  if (legacy !== undefined) {
    const mapped = typeof legacy.value === 'string' ? LEGACY_POLICY[legacy.value] : undefined;
    if (mapped === undefined) {
      throw badRequest(
        `failed to parse policy: path "${pattern}" on line ${legacy.line}: invalid policy ${JSON.stringify(legacy.value)}`,
      );
    }
    for (const capability of mapped) capabilities.add(capability);
  }
  return { pattern: trimmed, capabilities: [...capabilities] };
}

/** Reports whether `pattern` (exact, `+` segments, trailing `*`) matches `path`. */
export function patternMatches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const body = glob ? pattern.slice(0, -1) : pattern;
  const patternSegments = body.split('/');
  const pathSegments = path.split('/');

  if (!body.includes('+')) return glob ? path.startsWith(body) : path === body;

  // Each `+` segment stands for exactly one path segment. With a trailing
  // `*`, the last pattern segment is a prefix of its path segment, and
  // anything may follow it.
  if (
    glob
      ? pathSegments.length < patternSegments.length
      : pathSegments.length !== patternSegments.length
  )
    return false;
  for (let i = 0; i < patternSegments.length; i += 1) {
    const expected = patternSegments[i] as string;
    const actual = pathSegments[i] as string;
    const last = i === patternSegments.length - 1;
    if (expected === '+') continue;
    if (last && glob) return actual.startsWith(expected);
    if (expected !== actual) return false;
  }
  return true;
}

function firstWildcard(pattern: string): number {
  const positions = [pattern.indexOf('+'), pattern.indexOf('*')].filter((p) => p >= 0);
  return positions.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...positions);
}

function plusCount(pattern: string): number {
  return pattern.split('/').filter((segment) => segment === '+').length;
}

/** Compares two patterns by priority: negative when `a` is lower than `b`. */
export function comparePriority(a: string, b: string): number {
  const wildcardA = firstWildcard(a);
  const wildcardB = firstWildcard(b);
  if (wildcardA !== wildcardB) return wildcardA < wildcardB ? -1 : 1;
  const globA = a.endsWith('*');
  const globB = b.endsWith('*');
  if (globA !== globB) return globA ? -1 : 1;
  const plusA = plusCount(a);
  const plusB = plusCount(b);
  if (plusA !== plusB) return plusA > plusB ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

export interface CapabilityDecision {
  capabilities: Set<Capability>;
  /** The pattern that decided, when one matched. */
  pattern?: string;
  grantingPolicies: string[];
}

/** Computes the capabilities the given policies grant on `path` (root grants everything). */
export function capabilitiesFor(policies: ParsedPolicy[], path: string): CapabilityDecision {
  if (policies.some((policy) => policy.name === 'root')) {
    return {
      capabilities: new Set(CAPABILITIES.filter((c) => c !== 'deny')),
      grantingPolicies: ['root'],
    };
  }

  let best: string | undefined;
  for (const policy of policies) {
    for (const rule of policy.rules) {
      if (!patternMatches(rule.pattern, path)) continue;
      if (best === undefined || comparePriority(rule.pattern, best) > 0) best = rule.pattern;
    }
  }
  if (best === undefined) return { capabilities: new Set(), grantingPolicies: [] };

  const union = new Set<Capability>();
  const granting: string[] = [];
  for (const policy of policies) {
    for (const rule of policy.rules) {
      if (rule.pattern !== best) continue;
      for (const capability of rule.capabilities) union.add(capability);
      if (!granting.includes(policy.name)) granting.push(policy.name);
    }
  }
  if (union.has('deny'))
    return { capabilities: new Set(['deny']), pattern: best, grantingPolicies: [] };
  return { capabilities: union, pattern: best, grantingPolicies: granting };
}
