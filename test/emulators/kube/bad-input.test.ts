// Bad input always gets a Status with the HTTP code of kube-apiserver,
// never a crash or a body without a Content-Type.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeFixture, request, startFixture } from './helpers.ts';

let fixture: KubeFixture;

beforeAll(async () => {
  fixture = await startFixture({ maxBodyBytes: 64 * 1024 });
});

afterAll(async () => {
  await fixture.close();
});

const SECRETS = '/api/v1/namespaces/default/secrets';

describe('bad input', () => {
  const cases: Array<{
    name: string;
    method: string;
    path: string;
    body?: string;
    contentType?: string;
    code: number;
    reason: string;
    message: RegExp;
  }> = [
    {
      name: 'malformed JSON',
      method: 'POST',
      path: SECRETS,
      body: '{"metadata": {',
      contentType: 'application/json',
      code: 400,
      reason: 'BadRequest',
      message:
        /^the object provided is unrecognized \(must be of type Secret\): couldn't get version\/kind; json parse error: /,
    },
    {
      name: 'malformed YAML',
      method: 'POST',
      path: SECRETS,
      body: 'metadata: [unclosed',
      contentType: 'application/yaml',
      code: 400,
      reason: 'BadRequest',
      message: /yaml parse error/,
    },
    {
      name: 'wrong apiVersion',
      method: 'POST',
      path: SECRETS,
      body: JSON.stringify({ apiVersion: 'v2', kind: 'Secret', metadata: { name: 'x' } }),
      contentType: 'application/json',
      code: 400,
      reason: 'BadRequest',
      message:
        /^the API version in the data \(v2\) does not match the expected API version \(v1\)$/,
    },
    {
      name: 'wrong kind',
      method: 'POST',
      path: SECRETS,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
      contentType: 'application/json',
      code: 400,
      reason: 'BadRequest',
      message: /the kind in the data \(ConfigMap\) does not match the expected kind \(Secret\)/,
    },
    {
      name: 'a name that breaks DNS-1123',
      method: 'POST',
      path: SECRETS,
      body: JSON.stringify({ metadata: { name: 'Bad_Name' } }),
      contentType: 'application/json',
      code: 422,
      reason: 'Invalid',
      message:
        /^Secret "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/,
    },
    {
      name: 'a missing name',
      method: 'POST',
      path: SECRETS,
      body: JSON.stringify({ metadata: {} }),
      contentType: 'application/json',
      code: 422,
      reason: 'Invalid',
      message: /metadata.name: Required value: name or generateName is required/,
    },
    {
      name: 'a body over the size limit',
      method: 'POST',
      path: SECRETS,
      body: JSON.stringify({ metadata: { name: 'big' }, stringData: { a: 'x'.repeat(70 * 1024) } }),
      contentType: 'application/json',
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: /^Request entity too large: limit is 65536$/,
    },
    {
      name: 'an unknown resource',
      method: 'GET',
      path: '/api/v1/namespaces/default/widgets',
      code: 404,
      reason: 'NotFound',
      message: /^the server could not find the requested resource$/,
    },
    {
      name: 'an unknown group',
      method: 'GET',
      path: '/apis/nope.example.com/v1/things',
      code: 404,
      reason: 'NotFound',
      message: /^the server could not find the requested resource$/,
    },
    {
      name: 'an unsupported media type',
      method: 'POST',
      path: SECRETS,
      body: 'name=x',
      contentType: 'application/x-www-form-urlencoded',
      code: 415,
      reason: 'UnsupportedMediaType',
      message: /^the body of the request was in an unknown format - accepted media types include: /,
    },
    {
      name: 'an unsupported field selector',
      method: 'GET',
      path: `${SECRETS}?fieldSelector=spec.foo%3Dbar`,
      code: 400,
      reason: 'BadRequest',
      message: /^field label not supported: spec.foo$/,
    },
    {
      name: 'a label selector that does not parse',
      method: 'GET',
      path: `${SECRETS}?labelSelector=a%20in%20b`,
      code: 400,
      reason: 'BadRequest',
      message: /unable to parse requirement/,
    },
    {
      name: 'an object in a missing namespace',
      method: 'POST',
      path: '/api/v1/namespaces/missing/secrets',
      body: JSON.stringify({ metadata: { name: 'x' } }),
      contentType: 'application/json',
      code: 404,
      reason: 'NotFound',
      message: /^namespaces "missing" not found$/,
    },
    {
      name: 'a JSON patch that is not a list',
      method: 'PATCH',
      path: '/api/v1/namespaces/default/serviceaccounts/default',
      body: '{"op":"add"}',
      contentType: 'application/json-patch+json',
      code: 400,
      reason: 'BadRequest',
      message: /cannot unmarshal object/,
    },
    {
      name: 'a protobuf body of an unsupported kind',
      method: 'POST',
      path: SECRETS,
      body: 'k8s\0garbage',
      contentType: 'application/vnd.kubernetes.protobuf',
      code: 400,
      reason: 'BadRequest',
      message: /protobuf/,
    },
  ];

  for (const testCase of cases) {
    it(`answers ${testCase.name} with ${testCase.code}`, async () => {
      const response = await request(fixture, testCase.method, testCase.path, {
        body: testCase.body,
        contentType: testCase.contentType,
      });
      expect(response.status).toBe(testCase.code);
      expect(response.contentType).toBe('application/json');
      const status = response.json();
      expect(status).toMatchObject({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: testCase.code,
        reason: testCase.reason,
      });
      expect(status.message).toMatch(testCase.message);
    });
  }

  it('answers an unknown bearer token with 401', async () => {
    const response = await request(fixture, 'GET', SECRETS, { token: 'not-a-token' });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({
      kind: 'Status',
      reason: 'Unauthorized',
      message: 'Unauthorized',
      code: 401,
    });
  });

  it('treats a request without credentials as system:anonymous', async () => {
    const response = await request(fixture, 'GET', SECRETS, { token: null });
    expect(response.status).toBe(403);
    expect(response.json().message).toBe(
      'secrets is forbidden: User "system:anonymous" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
    const version = await request(fixture, 'GET', '/version', { token: null });
    expect(version.status).toBe(200);
  });

  it('keeps serving after every bad request', async () => {
    const response = await request(fixture, 'GET', '/api/v1/namespaces/default');
    expect(response.status).toBe(200);
    expect(response.json().metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'default' });
  });
});
