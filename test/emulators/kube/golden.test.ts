// Golden files for `kubectl get` of each kind the API server prints as a
// Table. AGE-like cells and timestamps are masked and column gaps are
// normalized, because widths follow the masked values. Set
// UPDATE_GOLDEN=1 to rewrite the files after an intended change.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeFixture, kubectl, request, startFixture } from './helpers.ts';

const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../golden/kube');
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
let fixture: KubeFixture;

const OBJECTS = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: golden}
stringData: {username: app, password: pw}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: golden}
data: {mode: strict}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: golden}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: golden}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "node:20"}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: app-7d4b9c, namespace: golden}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "node:20"}]
---
apiVersion: v1
kind: Pod
metadata: {name: app-7d4b9c-x2x4z, namespace: golden, labels: {app: web}}
spec:
  containers: [{name: web, image: "node:20"}]
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: golden}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 8080, nodePort: 30080}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: app, namespace: golden}
subsets:
- addresses: [{ip: 127.20.0.5}]
  ports: [{port: 8080}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: golden}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: eso-reads-secrets, namespace: golden}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects: [{kind: ServiceAccount, name: app, namespace: golden}, {kind: Group, name: readers}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: golden-token-reviewer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
subjects: [{kind: ServiceAccount, name: app, namespace: golden}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: golden}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-app, namespace: golden}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 8080}]}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: app-db, namespace: golden}
spec: {storeRef: {name: vault-database}, refreshInterval: 15s}
`;

beforeAll(async () => {
  fixture = await startFixture();
  await kubectl(fixture, ['create', 'namespace', 'golden']);
  await kubectl(fixture, ['apply', '-f', path.join(FIXTURES, 'widget-crd.yaml')]);
  await kubectl(fixture, [
    'wait',
    '--for=condition=Established',
    'crd/widgets.example.com',
    '--timeout=10s',
  ]);
  const file = path.join(fixture.dir, 'objects.yaml');
  await writeFile(file, OBJECTS);
  const applied = await kubectl(fixture, ['apply', '-f', file]);
  expect(applied.stderr).toBe('');

  const status = (urlPath: string, body: unknown) =>
    request(fixture, 'PATCH', urlPath, {
      body: JSON.stringify(body),
      contentType: 'application/merge-patch+json',
    });
  await status('/api/v1/namespaces/golden/pods/app-7d4b9c-x2x4z/status', {
    status: {
      phase: 'Running',
      podIP: '127.20.0.5',
      containerStatuses: [{ name: 'web', ready: true, restartCount: 1, state: { running: {} } }],
    },
  });
  await status('/apis/apps/v1/namespaces/golden/deployments/app/status', {
    status: { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
  });
  await status('/apis/apps/v1/namespaces/golden/replicasets/app-7d4b9c/status', {
    status: { replicas: 2, readyReplicas: 1 },
  });
  await status('/apis/example.com/v1/namespaces/golden/widgets/app-db/status', {
    status: { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError' }] },
  });
  const deployments = fixture.server.api.registry.get('apps', 'v1', 'deployments');
  if (!deployments) throw new Error('deployments are not registered');
  const recorder = fixture.server.eventRecorder('deployment-controller');
  await recorder.record(
    fixture.server.api.get(deployments, 'golden', 'app'),
    'Normal',
    'ScalingReplicaSet',
    'Scaled up replica set app-7d4b9c to 2',
  );
});

afterAll(async () => {
  await fixture.close();
});

/** Masks durations and timestamps, and evens out column gaps that depend on their widths. */
function mask(output: string): string {
  return output
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '<time>')
    .replace(/(?<=\s|^)(\d+[smhdy])+(?=\s|$)/g, '<age>')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, '   ').trimEnd())
    .join('\n');
}

const KINDS: Array<{ file: string; args: string[] }> = [
  { file: 'namespaces', args: ['get', 'namespaces'] },
  { file: 'pods', args: ['get', 'pods', '-n', 'golden'] },
  { file: 'pods-wide', args: ['get', 'pods', '-n', 'golden', '-o', 'wide'] },
  { file: 'deployments', args: ['get', 'deployments', '-n', 'golden'] },
  { file: 'deployments-wide', args: ['get', 'deployments', '-n', 'golden', '-o', 'wide'] },
  { file: 'replicasets', args: ['get', 'replicasets', '-n', 'golden'] },
  { file: 'services', args: ['get', 'services', '-n', 'golden'] },
  { file: 'endpoints', args: ['get', 'endpoints', '-n', 'golden'] },
  { file: 'secrets', args: ['get', 'secrets', '-n', 'golden'] },
  { file: 'configmaps', args: ['get', 'configmaps', '-n', 'golden'] },
  { file: 'serviceaccounts', args: ['get', 'serviceaccounts', '-n', 'golden'] },
  { file: 'roles', args: ['get', 'roles', '-n', 'golden'] },
  { file: 'rolebindings-wide', args: ['get', 'rolebindings', '-n', 'golden', '-o', 'wide'] },
  { file: 'clusterroles', args: ['get', 'clusterroles'] },
  { file: 'clusterrolebindings', args: ['get', 'clusterrolebindings'] },
  { file: 'networkpolicies', args: ['get', 'networkpolicies', '-n', 'golden'] },
  { file: 'events', args: ['get', 'events', '-n', 'golden'] },
  { file: 'customresourcedefinitions', args: ['get', 'customresourcedefinitions'] },
  { file: 'widgets', args: ['get', 'widgets', '-n', 'golden'] },
  { file: 'all-namespaces-secrets', args: ['get', 'secrets', '-A'] },
];

describe('kubectl get golden files', () => {
  for (const kind of KINDS) {
    it(`prints ${kind.file} as the golden file shows`, async () => {
      const result = await kubectl(fixture, kind.args);
      expect(result.stderr).toBe('');
      const actual = mask(result.stdout);
      const file = path.join(GOLDEN, `${kind.file}.txt`);
      if (process.env.UPDATE_GOLDEN) {
        await mkdir(GOLDEN, { recursive: true });
        await writeFile(file, actual);
      }
      const expected = await readFile(file, 'utf8').catch(
        () => `missing golden file ${file}: run with UPDATE_GOLDEN=1`,
      );
      expect(actual).toBe(expected);
    });
  }
});
