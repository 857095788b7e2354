// The real kubectl 1.32 against the embedded API server: each command a
// learner uses, with the output a real cluster gives.
import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, type KubeFixture, kubectl, startFixture, waitFor } from './helpers.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
let fixture: KubeFixture;

const DEPLOYMENT = (value: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: demo
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: node:20
        env:
        - name: MODE
          value: "${value}"
`;

beforeAll(async () => {
  fixture = await startFixture({
    podLogs: (_namespace, pod, container) => `log of ${pod}/${container}\nsecond line\n`,
  });
  const created = await kubectl(fixture, ['create', 'namespace', 'demo']);
  expect(created.stderr).toBe('');
});

afterAll(async () => {
  await fixture.close();
});

describe('kubectl get', () => {
  it('prints the Secret table columns', async () => {
    await kubectl(fixture, [
      'create',
      'secret',
      'generic',
      'db',
      '-n',
      'demo',
      '--from-literal=password=s3cret',
    ]);
    const result = await kubectl(fixture, ['get', 'secrets', '-n', 'demo']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE$/);
    expect(result.stdout).toMatch(/^db\s+Opaque\s+1\s+\d+s$/m);
  });

  it('prints yaml, json and jsonpath', async () => {
    const yaml = await kubectl(fixture, ['get', 'secret', 'db', '-n', 'demo', '-o', 'yaml']);
    expect(yaml.stdout).toContain('kind: Secret');
    expect(yaml.stdout).toContain(`password: ${Buffer.from('s3cret').toString('base64')}`);
    const json = await kubectl(fixture, ['get', 'secret', 'db', '-n', 'demo', '-o', 'json']);
    expect(JSON.parse(json.stdout).metadata.name).toBe('db');
    const jsonpath = await kubectl(fixture, [
      'get',
      'secret',
      'db',
      '-n',
      'demo',
      '-o',
      'jsonpath={.type}',
    ]);
    expect(jsonpath.stdout).toBe('Opaque');
  });

  it('reports a missing object as NotFound', async () => {
    const result = await kubectl(fixture, ['get', 'secret', 'nope', '-n', 'demo']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Error from server (NotFound): secrets "nope" not found');
  });

  it('watches a change with -w', async () => {
    await kubectl(fixture, ['create', 'configmap', 'watched', '-n', 'demo', '--from-literal=a=1']);
    const child = spawn(
      KUBECTL,
      ['get', 'configmap', 'watched', '-n', 'demo', '-w', '-o', 'jsonpath={.data.a}{"\\n"}'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: fixture.dir,
          KUBECACHEDIR: path.join(fixture.dir, 'cache'),
          KUBECONFIG: fixture.kubeconfig,
        },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    await waitFor(() => output.includes('1\n') || undefined, 'the first watch line');
    await kubectl(fixture, [
      'patch',
      'configmap',
      'watched',
      '-n',
      'demo',
      '--type',
      'merge',
      '-p',
      '{"data":{"a":"2"}}',
    ]);
    await waitFor(() => output.includes('2\n') || undefined, 'the change on the watch');
    child.kill('SIGTERM');
    expect(output.trim().split('\n')).toEqual(['1', '2']);
  });
});

describe('kubectl apply', () => {
  it('creates and then sends a strategic merge patch for an env change', async () => {
    const file = path.join(fixture.dir, 'deployment.yaml');
    await writeFile(file, DEPLOYMENT('one'));
    const created = await kubectl(fixture, ['apply', '-f', file]);
    expect(created.stdout.trim()).toBe('deployment.apps/app created');
    await writeFile(file, DEPLOYMENT('two'));
    const configured = await kubectl(fixture, ['apply', '-f', file]);
    expect(configured.stdout.trim()).toBe('deployment.apps/app configured');
    const unchanged = await kubectl(fixture, ['apply', '-f', file]);
    expect(unchanged.stdout.trim()).toBe('deployment.apps/app unchanged');
    const diff = await kubectl(fixture, ['diff', '-f', file]);
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
    const env = await kubectl(fixture, [
      'get',
      'deploy',
      'app',
      '-n',
      'demo',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].env[0].value} {.metadata.generation}',
    ]);
    expect(env.stdout).toBe('two 2');
  });

  it('applies a CRD and then a custom object printed with its columns', async () => {
    const crd = await kubectl(fixture, ['apply', '-f', path.join(FIXTURES, 'widget-crd.yaml')]);
    expect(crd.stdout.trim()).toBe(
      'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created',
    );
    await kubectl(fixture, [
      'wait',
      '--for=condition=Established',
      'crd/widgets.example.com',
      '--timeout=10s',
    ]);
    const file = path.join(fixture.dir, 'widget.yaml');
    await writeFile(
      file,
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: demo\nspec:\n  storeRef:\n    name: vault-kv\n',
    );
    const created = await kubectl(fixture, ['apply', '-f', file]);
    expect(created.stdout.trim()).toBe('widget.example.com/w1 created');
    const table = await kubectl(fixture, ['get', 'widgets', '-n', 'demo']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^NAME\s+STORE\s+REFRESH INTERVAL\s+STATUS\s+READY$/,
    );
    expect(table.stdout).toMatch(/^w1\s+vault-kv\s+1h\s*$/m);
  });

  it('rejects a custom object that breaks the schema', async () => {
    const file = path.join(fixture.dir, 'bad-widget.yaml');
    await writeFile(
      file,
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w2\n  namespace: demo\nspec:\n  size: 0\n',
    );
    const result = await kubectl(fixture, ['apply', '-f', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The Widget "w2" is invalid');
    expect(result.stderr).toContain('spec.storeRef: Required value');
    expect(result.stderr).toContain('spec.size in body should be greater than or equal to 1');
  });
});

describe('kubectl edit, patch and annotate', () => {
  it('edits with a scripted KUBE_EDITOR', async () => {
    const editor = path.join(fixture.dir, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/password: .*/password: ZWRpdGVk/" "$1"\n');
    await chmod(editor, 0o755);
    const result = await kubectl(fixture, ['edit', 'secret', 'db', '-n', 'demo'], {
      KUBE_EDITOR: editor,
    });
    expect(result.stdout.trim()).toBe('secret/db edited');
    const value = await kubectl(fixture, [
      'get',
      'secret',
      'db',
      '-n',
      'demo',
      '-o',
      'jsonpath={.data.password}',
    ]);
    expect(Buffer.from(value.stdout, 'base64').toString()).toBe('edited');
  });

  it('patches with --type merge, json and strategic', async () => {
    const merge = await kubectl(fixture, [
      'patch',
      'deploy',
      'app',
      '-n',
      'demo',
      '--type',
      'merge',
      '-p',
      '{"spec":{"replicas":3}}',
    ]);
    expect(merge.stdout.trim()).toBe('deployment.apps/app patched');
    const json = await kubectl(fixture, [
      'patch',
      'deploy',
      'app',
      '-n',
      'demo',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":4}]',
    ]);
    expect(json.stdout.trim()).toBe('deployment.apps/app patched');
    const strategic = await kubectl(fixture, [
      'patch',
      'deploy',
      'app',
      '-n',
      'demo',
      '--type',
      'strategic',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"EXTRA","value":"x"}]}]}}}}',
    ]);
    expect(strategic.stdout.trim()).toBe('deployment.apps/app patched');
    const result = await kubectl(fixture, [
      'get',
      'deploy',
      'app',
      '-n',
      'demo',
      '-o',
      'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].env[*].name}',
    ]);
    expect(result.stdout).toBe('4 MODE EXTRA');
  });

  it('answers a strategic merge patch on a custom object with 415', async () => {
    const result = await kubectl(fixture, [
      'patch',
      'widget',
      'w1',
      '-n',
      'demo',
      '--type',
      'strategic',
      '-p',
      '{"spec":{"size":2}}',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });

  it('annotates with --overwrite', async () => {
    await kubectl(fixture, ['annotate', 'secret', 'db', '-n', 'demo', 'owner=team-a']);
    const refused = await kubectl(fixture, [
      'annotate',
      'secret',
      'db',
      '-n',
      'demo',
      'owner=team-b',
    ]);
    expect(refused.code).toBe(1);
    const overwritten = await kubectl(fixture, [
      'annotate',
      'secret',
      'db',
      '-n',
      'demo',
      'owner=team-b',
      '--overwrite',
    ]);
    expect(overwritten.stdout.trim()).toBe('secret/db annotated');
    const value = await kubectl(fixture, [
      'get',
      'secret',
      'db',
      '-n',
      'demo',
      '-o',
      'jsonpath={.metadata.annotations.owner}',
    ]);
    expect(value.stdout).toBe('team-b');
  });
});

describe('kubectl describe, rollout, wait, logs and delete', () => {
  it('describes a deployment with its events', async () => {
    const deployment = fixture.server.api.get(
      fixture.server.api.registry.get('apps', 'v1', 'deployments')!,
      'demo',
      'app',
    );
    await fixture.server
      .eventRecorder('deployment-controller')
      .record(deployment, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set app-1 to 2');
    const result = await kubectl(fixture, ['describe', 'deploy', 'app', '-n', 'demo']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Name:\s+app$/m);
    expect(result.stdout).toMatch(/^Events:/m);
    expect(result.stdout).toMatch(
      /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set app-1 to 2/,
    );
  });

  it('restarts a rollout by annotating the pod template', async () => {
    const result = await kubectl(fixture, ['rollout', 'restart', 'deploy/app', '-n', 'demo']);
    expect(result.stdout.trim()).toBe('deployment.apps/app restarted');
    const annotation = await kubectl(fixture, [
      'get',
      'deploy',
      'app',
      '-n',
      'demo',
      '-o',
      "jsonpath={.spec.template.metadata.annotations['kubectl\\.kubernetes\\.io/restartedAt']}",
    ]);
    expect(annotation.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('waits for a condition that a controller sets', async () => {
    const waiting = kubectl(fixture, [
      'wait',
      '--for=condition=Available',
      'deploy/app',
      '-n',
      'demo',
      '--timeout=20s',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const deployments = fixture.server.api.registry.get('apps', 'v1', 'deployments')!;
    await fixture.server.api.patch(
      deployments,
      'demo',
      'app',
      'merge',
      {
        status: {
          conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
        },
      },
      { user: { username: 'test', groups: ['system:masters'] } },
      'status',
    );
    const result = await waiting;
    expect(result.stdout.trim()).toBe('deployment.apps/app condition met');
  });

  it('prints pod logs from the log source', async () => {
    const file = path.join(fixture.dir, 'pod.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\n  namespace: demo\nspec:\n  containers:\n  - name: main\n    image: node:20\n',
    );
    await kubectl(fixture, ['apply', '-f', file]);
    const result = await kubectl(fixture, ['logs', 'p1', '-n', 'demo']);
    expect(result.stdout).toBe('log of p1/main\nsecond line\n');
  });

  it('answers auth can-i for a service account through --as', async () => {
    await kubectl(fixture, ['create', 'serviceaccount', 'eso', '-n', 'demo']);
    const before = await kubectl(fixture, [
      'auth',
      'can-i',
      'get',
      'secrets',
      '-n',
      'demo',
      '--as',
      'system:serviceaccount:demo:eso',
    ]);
    expect(before).toMatchObject({ code: 1, stdout: 'no\n' });
    await kubectl(fixture, [
      'create',
      'rolebinding',
      'eso-view',
      '-n',
      'demo',
      '--clusterrole',
      'edit',
      '--serviceaccount',
      'demo:eso',
    ]);
    const after = await kubectl(fixture, [
      'auth',
      'can-i',
      'get',
      'secrets',
      '-n',
      'demo',
      '--as',
      'system:serviceaccount:demo:eso',
    ]);
    expect(after).toMatchObject({ code: 0, stdout: 'yes\n' });
    const token = await kubectl(fixture, [
      'auth',
      'can-i',
      'create',
      'serviceaccounts/token',
      '-n',
      'demo',
      '--as',
      'system:serviceaccount:demo:eso',
    ]);
    expect(token.stdout).toBe('yes\n');
  });

  it('deletes and waits until the object is gone', async () => {
    const result = await kubectl(fixture, ['delete', 'secret', 'db', '-n', 'demo']);
    expect(result.stdout.trim()).toBe('secret "db" deleted');
    const after = await kubectl(fixture, ['get', 'secret', 'db', '-n', 'demo']);
    expect(after.code).toBe(1);
  });

  it('creates a token for a service account', async () => {
    const result = await kubectl(fixture, [
      'create',
      'token',
      'eso',
      '-n',
      'demo',
      '--audience',
      'vault',
    ]);
    expect(result.code).toBe(0);
    const payload = JSON.parse(
      Buffer.from(result.stdout.trim().split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(payload.aud).toEqual(['vault']);
    expect(payload.sub).toBe('system:serviceaccount:demo:eso');
    expect(payload['kubernetes.io'].serviceaccount.name).toBe('eso');
  });
});

describe('kubectl and the data folder', () => {
  it('reads back the kubeconfig it wrote', async () => {
    const text = await readFile(fixture.kubeconfig, 'utf8');
    expect(text).toContain(fixture.server.url);
    expect(text).toContain('certificate-authority-data');
  });
});
