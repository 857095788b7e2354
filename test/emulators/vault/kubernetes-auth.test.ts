/**
 * Kubernetes auth login with a real TokenReview over HTTPS. A small local
 * HTTPS server that implements the TokenReview endpoint replaces the API
 * server, so each case controls its answer and the test can check the
 * source address. Outbound connections go through an OutboundNetwork that
 * resolves the Service name and binds 127.0.0.2, as the pod network does.
 * kubernetes-auth-kube.test.ts runs login against the embedded Kubernetes API.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  issueServerCertificate,
} from '../../../lab/emulators/shared/pki.ts';
import { type DevVault, startDevVault } from './helpers.ts';

const REVIEWER_JWT = 'reviewer-token';
const FORBIDDEN_REVIEWER_JWT = 'reviewer-without-rbac';

function serviceAccountJwt(namespace: string, name: string, uid = `${name}-uid`): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'test' })).toString('base64url');
  const claims = {
    iss: 'https://kubernetes.default.svc',
    sub: `system:serviceaccount:${namespace}:${name}`,
    'kubernetes.io': { namespace, serviceaccount: { name, uid } },
  };
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature`;
}

const APP_JWT = serviceAccountJwt('basecamp', 'app');
const DELETED_JWT = serviceAccountJwt('basecamp', 'app', 'old-uid');

let kube: Server;
let caPem: string;
let kubePort: number;
const reviewSources: string[] = [];
let vault: DevVault;

/** Returns a TokenReview response as the Kubernetes API would: a 403 Status for the reviewer without RBAC, else the review. */
function handleTokenReview(
  body: string,
  authorization: string | undefined,
): { status: number; body: unknown } {
  const bearer = authorization?.replace(/^Bearer /, '');
  if (bearer === FORBIDDEN_REVIEWER_JWT) {
    return {
      status: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message:
          'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:vault:vault" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope',
        reason: 'Forbidden',
        code: 403,
      },
    };
  }
  const review = JSON.parse(body) as { spec: { token: string } };
  if (review.spec.token === APP_JWT) {
    return {
      status: 201,
      body: {
        kind: 'TokenReview',
        status: {
          authenticated: true,
          user: { username: 'system:serviceaccount:basecamp:app', uid: 'app-uid' },
        },
      },
    };
  }
  return {
    status: 201,
    body: {
      kind: 'TokenReview',
      status: { authenticated: false, error: 'token has been invalidated' },
    },
  };
}

const lookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === 'kubernetes.default.svc') {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: '127.0.0.1', family: 4 },
      ]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  callback(new Error(`unknown host ${hostname}`), '', 4);
};

beforeAll(async () => {
  const ca = await createCertificateAuthority('kube test CA');
  caPem = ca.certPem;
  const certificate = await issueServerCertificate(ca, {
    dnsNames: ['kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1'],
  });
  kube = createServer(
    { cert: certificate.certPem, key: certificate.keyPem },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        reviewSources.push(request.socket.remoteAddress ?? '');
        const answer =
          request.method === 'POST' && request.url === '/apis/authentication.k8s.io/v1/tokenreviews'
            ? handleTokenReview(
                Buffer.concat(chunks).toString('utf8'),
                request.headers.authorization,
              )
            : { status: 404, body: { kind: 'Status', code: 404 } };
        response
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.body));
      });
    },
  );
  await new Promise<void>((resolve) => kube.listen(0, '127.0.0.1', resolve));
  kubePort = (kube.address() as AddressInfo).port;

  vault = await startDevVault({ network: { lookup, localAddress: '127.0.0.2' } });
  const call = vault.client.call.bind(vault.client);
  expect((await call('POST', 'sys/auth/kubernetes', { body: { type: 'kubernetes' } })).status).toBe(
    204,
  );
  await configure(REVIEWER_JWT);
  await call('PUT', 'sys/policies/acl/basecamp-read', {
    body: { policy: 'path "secret/data/basecamp/*" { capabilities = ["read"] }' },
  });
  const role = await call('POST', 'auth/kubernetes/role/basecamp', {
    body: {
      bound_service_account_names: ['app'],
      bound_service_account_namespaces: ['basecamp'],
      token_policies: ['basecamp-read'],
      token_ttl: '20m',
    },
  });
  expect(role.status).toBe(204);
});

afterAll(async () => {
  await vault?.server.close();
  await new Promise<void>((resolve) => kube.close(() => resolve()));
});

async function configure(reviewer: string): Promise<void> {
  const result = await vault.client.call('POST', 'auth/kubernetes/config', {
    body: {
      kubernetes_host: `https://kubernetes.default.svc:${kubePort}`,
      kubernetes_ca_cert: caPem,
      token_reviewer_jwt: reviewer,
    },
  });
  expect(result.status).toBe(204);
}

async function login(body: Record<string, unknown>) {
  return vault.client.call('POST', 'auth/kubernetes/login', { token: null, body });
}

describe('kubernetes auth config', () => {
  it('requires kubernetes_host', async () => {
    const result = await vault.client.call('POST', 'auth/kubernetes/config', {
      body: { kubernetes_ca_cert: caPem },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['no host provided']);
  });

  it('never returns the reviewer JWT', async () => {
    const result = await vault.client.call('GET', 'auth/kubernetes/config');
    expect(result.body.data.token_reviewer_jwt_set).toBe(true);
    expect(result.text).not.toContain(REVIEWER_JWT);
  });

  it.each([
    [{ bound_service_account_namespaces: ['x'] }, '"bound_service_account_names" can not be empty'],
    [
      { bound_service_account_names: ['*', 'app'], bound_service_account_namespaces: ['x'] },
      'can not mix "*" with values',
    ],
    [
      {
        bound_service_account_names: ['a'],
        bound_service_account_namespaces: ['x'],
        token_ttl: '2h',
        token_max_ttl: '1h',
      },
      'token ttl should not be greater than token max ttl',
    ],
  ])('rejects role %j', async (body, message) => {
    const result = await vault.client.call('POST', 'auth/kubernetes/role/bad', { body });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([message]);
  });
});

describe('kubernetes login', () => {
  it('issues a token after a TokenReview', async () => {
    const result = await login({ role: 'basecamp', jwt: APP_JWT });
    expect(result.status).toBe(200);
    expect(result.body.auth.lease_duration).toBe(1200);
    expect(result.body.auth.renewable).toBe(true);
    expect(result.body.auth.policies).toEqual(['basecamp-read', 'default']);
    expect(result.body.auth.metadata).toMatchObject({
      role: 'basecamp',
      service_account_name: 'app',
      service_account_namespace: 'basecamp',
      service_account_uid: 'app-uid',
    });
    expect(reviewSources.at(-1)).toBe('127.0.0.2');

    const token = result.body.auth.client_token as string;
    await vault.client.call('POST', 'secret/data/basecamp/config', {
      body: { data: { mode: 'lab' } },
    });
    expect((await vault.client.call('GET', 'secret/data/basecamp/config', { token })).status).toBe(
      200,
    );
    expect((await vault.client.call('GET', 'secret/data/other', { token })).status).toBe(403);
    const lookup = await vault.client.call('GET', 'auth/token/lookup-self', { token });
    expect(lookup.body.data.display_name).toBe('kubernetes-basecamp-app');
  });

  it.each([
    [{ jwt: APP_JWT }, 400, 'missing role'],
    [{ role: 'basecamp' }, 400, 'missing jwt'],
    [{ role: 'nope', jwt: APP_JWT }, 400, 'invalid role name "nope"'],
    [
      { role: 'basecamp', jwt: serviceAccountJwt('basecamp', 'intruder') },
      403,
      'service account name not authorized',
    ],
    [
      { role: 'basecamp', jwt: serviceAccountJwt('default', 'app') },
      403,
      'namespace not authorized',
    ],
  ])('rejects %j', async (body, status, message) => {
    const result = await login(body);
    expect(result.status).toBe(status);
    expect(result.body.errors).toEqual([message]);
  });

  it('hides a Forbidden TokenReview behind permission denied', async () => {
    await configure(FORBIDDEN_REVIEWER_JWT);
    try {
      const result = await login({ role: 'basecamp', jwt: APP_JWT });
      expect(result.status).toBe(403);
      expect(result.body.errors).toEqual(['permission denied']);
      const line = vault.logs.find((entry) => entry.includes('login unauthorized due to:'));
      expect(line).toContain('tokenreviews.authentication.k8s.io is forbidden');
      expect(line).toContain('[ERROR]');
    } finally {
      await configure(REVIEWER_JWT);
    }
  });

  it('logs a deleted service account', async () => {
    const result = await login({
      role: 'basecamp',
      jwt: DELETED_JWT.replace('signature', 'other'),
    });
    expect(result.status).toBe(403);
    expect(result.body.errors).toEqual(['permission denied']);
    expect(
      vault.logs.some((entry) =>
        entry.includes(
          'lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token',
        ),
      ),
    ).toBe(true);
  });

  it('keeps JWTs out of the log', () => {
    const text = vault.logs.join('\n');
    expect(text).not.toContain(APP_JWT);
    expect(text).not.toContain(REVIEWER_JWT);
  });
});
