/**
 * The create-only review kinds and TokenRequest: TokenReview,
 * SelfSubjectReview, SelfSubjectAccessReview, SelfSubjectRulesReview,
 * SubjectAccessReview, LocalSubjectAccessReview and
 * `serviceaccounts/<name>/token`. Shapes follow k8s.io/api
 * authentication/v1 and authorization/v1.
 */
import type { Authenticator } from './authentication.ts';
import { timestamp } from './objects.ts';
import type { PolicyRule, RbacAuthorizer } from './rbac.ts';
import { badRequest, invalid, notFound } from './status.ts';
import type { ObjectStore } from './store.ts';
import type { IssuedToken, TokenAuthority } from './tokens.ts';
import type { KubeObject, RequestAttributes, ResourceType, UserInfo } from './types.ts';

type Fields = Record<string, unknown>;

/** TokenRequest bounds from pkg/registry/core/serviceaccount/storage/token.go: 10 minutes to 2^32 seconds. */
export const MIN_TOKEN_SECONDS = 600;
export const MAX_TOKEN_SECONDS = 2 ** 32;
export const DEFAULT_TOKEN_SECONDS = 3600;

function record(value: unknown): Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Fields)
    : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

export interface ReviewServices {
  store: ObjectStore;
  rbac: RbacAuthorizer;
  authenticator: Authenticator;
  tokens: TokenAuthority;
}

/** Answers a POST to a review kind. Returns the object with `status` filled in. */
export async function answerReview(
  resource: ResourceType,
  namespace: string,
  body: KubeObject,
  user: UserInfo,
  services: ReviewServices,
): Promise<KubeObject> {
  const spec = record(body.spec);
  const answer: KubeObject = {
    apiVersion: `${resource.group}/${resource.version}`,
    kind: resource.kind,
    metadata: { ...record(body.metadata), creationTimestamp: null as unknown as string },
    spec,
  };
  switch (resource.kind) {
    case 'TokenReview':
      answer.status = await tokenReviewStatus(spec, services.authenticator);
      return answer;
    case 'SelfSubjectReview':
      delete answer.spec;
      answer.status = { userInfo: userInfoJson(user) };
      return answer;
    case 'SelfSubjectAccessReview':
      answer.status = accessReviewStatus(spec, user, '', services.rbac);
      return answer;
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview': {
      const subject = subjectOf(spec);
      if (resource.kind === 'LocalSubjectAccessReview') {
        const attributes = record(spec.resourceAttributes);
        if (attributes.namespace && attributes.namespace !== namespace) {
          throw invalid(resource, '', [
            {
              field: 'spec.resourceAttributes.namespace',
              type: 'FieldValueInvalid',
              message: `Invalid value: ${JSON.stringify(attributes.namespace)}: must match metadata.namespace`,
            },
          ]);
        }
        spec.resourceAttributes = { ...attributes, namespace };
        answer.metadata.namespace = namespace;
      }
      answer.status = accessReviewStatus(spec, subject, namespace, services.rbac);
      return answer;
    }
    case 'SelfSubjectRulesReview':
      answer.status = rulesReviewStatus(spec, user, services.rbac);
      return answer;
    default:
      throw badRequest(`${resource.kind} is not a review kind`);
  }
}

async function tokenReviewStatus(spec: Fields, authenticator: Authenticator): Promise<Fields> {
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (!token) return { authenticated: false, user: {}, error: 'token is required in spec.token' };
  const requested = strings(spec.audiences);
  const result = await authenticator.authenticateToken(
    token,
    requested.length > 0 ? requested : undefined,
  );
  if ('error' in result) return { user: {}, error: result.error };
  return { authenticated: true, user: userInfoJson(result.user), audiences: result.audiences };
}

function userInfoJson(user: UserInfo): Fields {
  const json: Fields = { username: user.username, groups: user.groups };
  if (user.uid) json.uid = user.uid;
  if (user.extra) json.extra = user.extra;
  return json;
}

function subjectOf(spec: Fields): UserInfo {
  const username = typeof spec.user === 'string' ? spec.user : '';
  const groups = strings(spec.groups);
  if (!username && groups.length === 0) {
    throw badRequest(
      'SubjectAccessReview spec.user or spec.groups is required: name the user or groups to check',
    );
  }
  const user: UserInfo = { username, groups };
  if (typeof spec.uid === 'string') user.uid = spec.uid;
  return user;
}

function accessReviewStatus(
  spec: Fields,
  user: UserInfo,
  defaultNamespace: string,
  rbac: RbacAuthorizer,
): Fields {
  const resourceAttributes =
    spec.resourceAttributes === undefined ? undefined : record(spec.resourceAttributes);
  const nonResourceAttributes =
    spec.nonResourceAttributes === undefined ? undefined : record(spec.nonResourceAttributes);
  if (!resourceAttributes && !nonResourceAttributes) {
    return {
      allowed: false,
      evaluationError:
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
    };
  }
  const attributes: RequestAttributes = resourceAttributes
    ? {
        user,
        verb: String(resourceAttributes.verb ?? ''),
        resourceRequest: true,
        group: String(resourceAttributes.group ?? ''),
        version: String(resourceAttributes.version ?? ''),
        resource: String(resourceAttributes.resource ?? ''),
        subresource: String(resourceAttributes.subresource ?? ''),
        namespace: String(resourceAttributes.namespace ?? defaultNamespace),
        name: String(resourceAttributes.name ?? ''),
        path: '',
      }
    : {
        user,
        verb: String(nonResourceAttributes?.verb ?? ''),
        resourceRequest: false,
        group: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: '',
        path: String(nonResourceAttributes?.path ?? ''),
      };
  const decision = rbac.authorize(attributes);
  const status: Fields = { allowed: decision.allowed };
  if (decision.reason) status.reason = decision.reason;
  return status;
}

function rulesReviewStatus(spec: Fields, user: UserInfo, rbac: RbacAuthorizer): Fields {
  const namespace = typeof spec.namespace === 'string' ? spec.namespace : '';
  const { rules, errors } = rbac.rulesFor(user, namespace);
  const resourceRules = rules
    .filter((rule: PolicyRule) => !rule.nonResourceURLs?.length)
    .map((rule) =>
      dropEmpty({
        verbs: rule.verbs,
        apiGroups: rule.apiGroups,
        resources: rule.resources,
        resourceNames: rule.resourceNames,
      }),
    );
  const nonResourceRules = rules
    .filter((rule: PolicyRule) => rule.nonResourceURLs?.length)
    .map((rule) => ({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs }));
  const status: Fields = { resourceRules, nonResourceRules, incomplete: errors.length > 0 };
  if (errors.length > 0) status.evaluationError = errors.join(', ');
  return status;
}

function dropEmpty(rule: Fields): Fields {
  for (const key of Object.keys(rule))
    if (
      rule[key] === undefined ||
      (Array.isArray(rule[key]) && (rule[key] as unknown[]).length === 0)
    )
      delete rule[key];
  return rule;
}

export interface TokenRequestInput {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
}

/**
 * Issues a token for a ServiceAccount (the `token` subresource). `minimumSeconds`
 * is 600 on the HTTP path, as kube-apiserver enforces. In-process callers may
 * pass a lower bound to create short-lived tokens on purpose.
 */
export async function requestToken(
  store: ObjectStore,
  tokens: TokenAuthority,
  resource: ResourceType,
  namespace: string,
  name: string,
  input: TokenRequestInput,
  minimumSeconds = MIN_TOKEN_SECONDS,
): Promise<IssuedToken & { audiences: string[]; expirationSeconds: number }> {
  const account = store.get('/serviceaccounts', namespace, name);
  if (!account) throw notFound(resource, name);
  const expirationSeconds = input.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
  const tokenRequest = { kind: 'TokenRequest', group: 'authentication.k8s.io' };
  if (!Number.isInteger(expirationSeconds) || expirationSeconds < minimumSeconds) {
    throw invalid(tokenRequest, '', [
      {
        field: 'spec.expirationSeconds',
        type: 'FieldValueInvalid',
        message: `Invalid value: ${expirationSeconds}: may not specify a duration less than ${minimumSeconds} seconds`,
      },
    ]);
  }
  if (expirationSeconds > MAX_TOKEN_SECONDS) {
    throw invalid(tokenRequest, '', [
      {
        field: 'spec.expirationSeconds',
        type: 'FieldValueTooLong',
        message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds`,
      },
    ]);
  }
  const audiences = input.audiences?.length ? input.audiences : [tokens.issuer];
  let pod: { name: string; uid: string } | undefined;
  let secret: { name: string; uid: string } | undefined;
  const bound = input.boundObjectRef;
  if (bound?.kind) {
    const storageKey =
      bound.kind === 'Pod' ? '/pods' : bound.kind === 'Secret' ? '/secrets' : undefined;
    if (!storageKey) {
      throw invalid(tokenRequest, '', [
        {
          field: 'spec.boundObjectRef.kind',
          type: 'FieldValueNotSupported',
          message: `Unsupported value: ${JSON.stringify(bound.kind)}: supported values: "Pod", "Secret"`,
        },
      ]);
    }
    const target = store.get(storageKey, namespace, bound.name ?? '');
    if (!target)
      throw notFound(
        { plural: bound.kind === 'Pod' ? 'pods' : 'secrets', group: '' },
        bound.name ?? '',
      );
    if (bound.uid && bound.uid !== target.metadata.uid) {
      throw badRequest(
        `the UID in the bound object reference (${bound.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    const reference = { name: target.metadata.name ?? '', uid: target.metadata.uid ?? '' };
    if (bound.kind === 'Pod') pod = reference;
    else secret = reference;
  }
  const issued = await tokens.issue({
    namespace,
    name,
    uid: account.metadata.uid ?? '',
    audiences,
    expirationSeconds,
    pod,
    secret,
  });
  return { ...issued, audiences, expirationSeconds };
}

/** The TokenRequest object returned by the `token` subresource. */
export function tokenRequestResponse(
  namespace: string,
  name: string,
  body: KubeObject | undefined,
  issued: IssuedToken & { audiences: string[]; expirationSeconds: number },
): KubeObject {
  const spec = {
    ...record(body?.spec),
    audiences: issued.audiences,
    expirationSeconds: issued.expirationSeconds,
  };
  if (!record(body?.spec).boundObjectRef) (spec as Fields).boundObjectRef = null;
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name, namespace, creationTimestamp: timestamp() },
    spec,
    status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
  };
}
