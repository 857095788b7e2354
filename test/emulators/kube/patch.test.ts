// Strategic merge patch directives as kubectl 1.32's client-side apply
// sends them, plus merge patch and JSON patch edge cases.
import { describe, expect, it } from 'vitest';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
} from '../../../lab/emulators/kube/patch.ts';
import { KubeApiError } from '../../../lab/emulators/kube/status.ts';

const deployment = {
  spec: {
    template: {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'node:20',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 8080, protocol: 'TCP' }],
            volumeMounts: [{ name: 'db', mountPath: '/etc/app/db' }],
          },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    },
  },
};

describe('strategic merge patch', () => {
  it('merges env entries by name and keeps the order given', () => {
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [
              {
                name: 'web',
                '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }, { name: 'B' }],
                env: [
                  { name: 'C', value: '3' },
                  { name: 'A', value: '9' },
                ],
              },
            ],
          },
        },
      },
    };
    const result = applyStrategicMergePatch(deployment, patch, 'Deployment') as typeof deployment;
    const web = result.spec.template.spec.containers[0];
    expect(web?.env).toEqual([
      { name: 'C', value: '3' },
      { name: 'A', value: '9' },
      { name: 'B', value: '2' },
    ]);
    expect(web?.image).toBe('node:20');
    expect(result.spec.template.spec.containers.map((container) => container.name)).toEqual([
      'web',
      'sidecar',
    ]);
  });

  it('deletes a list entry with $patch: delete', () => {
    const patch = {
      spec: {
        template: {
          spec: { containers: [{ name: 'web', env: [{ $patch: 'delete', name: 'A' }] }] },
        },
      },
    };
    const result = applyStrategicMergePatch(deployment, patch, 'Deployment') as typeof deployment;
    expect(result.spec.template.spec.containers[0]?.env).toEqual([{ name: 'B', value: '2' }]);
  });

  it('replaces a map with $patch: replace', () => {
    const patch = { metadata: { labels: { $patch: 'replace', only: 'this' } } };
    const result = applyStrategicMergePatch(
      { metadata: { labels: { a: '1', b: '2' } } },
      patch,
      'Secret',
    );
    expect(result).toEqual({ metadata: { labels: { only: 'this' } } });
  });

  it('removes a key set to null', () => {
    const result = applyStrategicMergePatch(
      { data: { a: 'x', b: 'y' } },
      { data: { a: null } },
      'Secret',
    );
    expect(result).toEqual({ data: { b: 'y' } });
  });

  it('keeps only $retainKeys', () => {
    const original = {
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
    };
    const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } };
    expect(applyStrategicMergePatch(original, patch, 'Deployment')).toEqual({
      spec: { strategy: { type: 'Recreate' } },
    });
  });

  it('merges finalizers as a set and deletes from it', () => {
    const original = { metadata: { finalizers: ['a', 'b'] } };
    expect(
      applyStrategicMergePatch(original, { metadata: { finalizers: ['b', 'c'] } }, 'ConfigMap'),
    ).toEqual({ metadata: { finalizers: ['a', 'b', 'c'] } });
    expect(
      applyStrategicMergePatch(
        original,
        { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
        'ConfigMap',
      ),
    ).toEqual({ metadata: { finalizers: ['b'] } });
  });

  it('merges container ports by containerPort and volumeMounts by mountPath', () => {
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                ports: [{ containerPort: 9090 }],
                volumeMounts: [{ mountPath: '/etc/app/db', readOnly: true }],
              },
            ],
          },
        },
      },
    };
    const web = (applyStrategicMergePatch(deployment, patch, 'Deployment') as typeof deployment)
      .spec.template.spec.containers[0];
    expect(web?.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090 }]);
    expect(web?.volumeMounts).toEqual([{ name: 'db', mountPath: '/etc/app/db', readOnly: true }]);
  });

  it('merges Service ports by port', () => {
    const service = { spec: { ports: [{ port: 80, targetPort: 8080 }] } };
    const result = applyStrategicMergePatch(
      service,
      { spec: { ports: [{ port: 80, nodePort: 30080 }] } },
      'Service',
    );
    expect(result).toEqual({ spec: { ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] } });
  });

  it('replaces lists without a merge key', () => {
    const original = {
      spec: { template: { spec: { containers: [{ name: 'web', args: ['a', 'b'] }] } } },
    };
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', args: ['c'] }] } } } };
    const result = applyStrategicMergePatch(original, patch, 'Deployment') as typeof original;
    expect(result.spec.template.spec.containers[0]?.args).toEqual(['c']);
  });
});

describe('merge and JSON patch', () => {
  it('merge patch replaces lists and removes nulls', () => {
    expect(applyMergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { c: null } })).toEqual({
      a: [3],
      b: { d: 2 },
    });
  });

  it('JSON patch test failure is 422', () => {
    let error: unknown;
    try {
      applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).code).toBe(422);
  });

  it('JSON patch leaves the input unchanged', () => {
    const input = { a: 1 };
    const output = applyJsonPatch(input, [{ op: 'replace', path: '/a', value: 2 }]);
    expect(output).toEqual({ a: 2 });
    expect(input).toEqual({ a: 1 });
  });
});
