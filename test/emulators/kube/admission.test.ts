// Admission hooks and the pod log endpoint, both supplied by the caller of
// startKube.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalid } from '../../../lab/emulators/kube/index.ts';
import { type KubeFixture, kubectl, request, startFixture } from './helpers.ts';

let fixture: KubeFixture;

beforeAll(async () => {
  fixture = await startFixture({
    admission: [
      (review) => {
        if (
          review.operation === 'CREATE' &&
          review.object?.kind === 'ConfigMap' &&
          review.object.metadata.labels?.blocked === 'true'
        ) {
          throw invalid(review.resource, review.object.metadata.name ?? '', [
            {
              field: 'metadata.labels[blocked]',
              type: 'FieldValueForbidden',
              message: 'Forbidden: blocked ConfigMaps are not admitted',
            },
          ]);
        }
        if (review.operation === 'CREATE' && review.object?.kind === 'ConfigMap') {
          review.object.metadata.annotations = {
            ...review.object.metadata.annotations,
            admitted: 'yes',
          };
        }
      },
    ],
    podLogs: (_namespace, _pod, container, options) =>
      options.follow
        ? Readable.from([`${container} line 1\n`, `${container} line 2\n`])
        : `${container} tail=${options.tailLines ?? 'all'}\n`,
  });
});

afterAll(async () => {
  await fixture.close();
});

describe('admission hooks', () => {
  it('rejects an object with the hook error', async () => {
    const response = await request(fixture, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: JSON.stringify({ metadata: { name: 'no', labels: { blocked: 'true' } } }),
      contentType: 'application/json',
    });
    expect(response.status).toBe(422);
    expect(response.json().message).toBe(
      'ConfigMap "no" is invalid: metadata.labels[blocked]: Forbidden: blocked ConfigMaps are not admitted',
    );
  });

  it('lets a hook change the object', async () => {
    const response = await request(fixture, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: JSON.stringify({ metadata: { name: 'yes' } }),
      contentType: 'application/json',
    });
    expect(response.status).toBe(201);
    expect(response.json().metadata.annotations).toEqual({ admitted: 'yes' });
  });
});

describe('pod logs', () => {
  beforeAll(async () => {
    const pod = {
      metadata: { name: 'two' },
      spec: {
        containers: [
          { name: 'a', image: 'node:20' },
          { name: 'b', image: 'node:20' },
        ],
      },
    };
    const created = await request(fixture, 'POST', '/api/v1/namespaces/default/pods', {
      body: JSON.stringify(pod),
      contentType: 'application/json',
    });
    expect(created.status).toBe(201);
  });

  it('needs a container name for a pod with two', async () => {
    const response = await request(fixture, 'GET', '/api/v1/namespaces/default/pods/two/log');
    expect(response.status).toBe(400);
    expect(response.json().message).toBe(
      'a container name must be specified for pod two, choose one of: [a b]',
    );
  });

  it('passes tailLines and follow to the log source', async () => {
    const tail = await kubectl(fixture, ['logs', 'two', '-c', 'b', '--tail', '5']);
    expect(tail.stdout).toBe('b tail=5\n');
    const follow = await kubectl(fixture, ['logs', 'two', '-c', 'a', '-f']);
    expect(follow.stdout).toBe('a line 1\na line 2\n');
  });

  it('answers 404 for a missing pod', async () => {
    const response = await request(fixture, 'GET', '/api/v1/namespaces/default/pods/none/log');
    expect(response.status).toBe(404);
    expect(response.json().message).toBe('pods "none" not found');
  });
});
