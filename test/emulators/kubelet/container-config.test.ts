// Error texts from pkg/kubelet/kubelet_pods.go (makeEnvironmentVariables) and the secret volume plugin.
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type ConfigSource, ContainerConfigError, resolveEnvironment, volumePayload } from '../../../lab/emulators/kubelet/container-config.ts';

const SECRETS: Record<string, Record<string, string>> = { 'basecamp/app-db': { username: 'app', password: 'pw1' } };
const CONFIG_MAPS: Record<string, Record<string, string>> = { 'basecamp/settings': { mode: 'fast' } };
const source: ConfigSource = {
  secret: async (namespace, name) => toBuffers(SECRETS[`${namespace}/${name}`]),
  configMap: async (namespace, name) => toBuffers(CONFIG_MAPS[`${namespace}/${name}`]),
};

function toBuffers(data: Record<string, string> | undefined): Record<string, Buffer> | undefined {
  return data && Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value)]));
}

const pod: V1Pod = { metadata: { name: 'app-1', namespace: 'basecamp', uid: 'u1', labels: { tier: 'web' } }, spec: { containers: [] } };

function container(fields: Partial<V1Container>): V1Container {
  return { name: 'app', image: 'node:20', ...fields };
}

async function configError(promise: Promise<unknown>): Promise<ContainerConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ContainerConfigError) return error;
    throw error;
  }
  throw new Error('expected a ContainerConfigError');
}

describe('resolveEnvironment', () => {
  it('reads secretKeyRef values', async () => {
    const env = await resolveEnvironment(pod, container({ env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } }] }), source, '127.1.2.3', '127.1.0.1');
    expect(env.DB_PASSWORD).toBe('pw1');
  });

  it('names a missing key', async () => {
    const error = await configError(resolveEnvironment(pod, container({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'app-db', key: 'token' } } }] }), source, '', ''));
    expect(error.reason).toBe('CreateContainerConfigError');
    expect(error.message).toBe("couldn't find key token in Secret basecamp/app-db");
  });

  it('names a missing Secret', async () => {
    const error = await configError(resolveEnvironment(pod, container({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }), source, '', ''));
    expect(error.message).toBe('secret "nope" not found');
  });

  it('skips an optional missing key', async () => {
    const env = await resolveEnvironment(pod, container({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'app-db', key: 'token', optional: true } } }] }), source, '', '');
    expect(env).not.toHaveProperty('X');
  });

  it('applies envFrom with a prefix', async () => {
    const env = await resolveEnvironment(pod, container({ envFrom: [{ prefix: 'DB_', secretRef: { name: 'app-db' } }, { configMapRef: { name: 'settings' } }] }), source, '', '');
    expect(env).toEqual({ DB_username: 'app', DB_password: 'pw1', mode: 'fast' });
  });

  it('expands earlier variables', async () => {
    const env = await resolveEnvironment(pod, container({ env: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-$$(A)-$(MISSING)' }] }), source, '', '');
    expect(env.B).toBe('x-$(A)-$(MISSING)');
  });

  it('resolves fieldRef paths', async () => {
    const env = await resolveEnvironment(
      pod,
      container({
        env: [
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
        ],
      }),
      source,
      '127.1.2.3',
      '127.1.0.1',
    );
    expect(env).toEqual({ POD_IP: '127.1.2.3', NS: 'basecamp', TIER: 'web' });
  });
});

describe('volumePayload', () => {
  const secretVolume = (fields: Partial<NonNullable<V1Volume['secret']>>): V1Volume => ({ name: 'db', secret: { secretName: 'app-db', ...fields } });

  it('maps every key by default', async () => {
    const payload = await volumePayload(pod, secretVolume({}), source);
    expect([...(payload?.keys() ?? [])]).toEqual(['username', 'password']);
    expect(payload?.get('password')?.mode).toBe(0o644);
  });

  it('maps selected items to paths', async () => {
    const payload = await volumePayload(pod, secretVolume({ items: [{ key: 'password', path: 'creds/pw', mode: 0o400 }] }), source);
    expect(payload?.get('creds/pw')?.content.toString()).toBe('pw1');
    expect(payload?.get('creds/pw')?.mode).toBe(0o400);
  });

  it('keeps the pod creating without the Secret', async () => {
    const error = await configError(volumePayload(pod, { name: 'db', secret: { secretName: 'gone' } }, source));
    expect(error.reason).toBe('ContainerCreating');
    expect(error.message).toBe('MountVolume.SetUp failed for volume "db" : secret "gone" not found');
  });

  it('leaves emptyDir without content', async () => {
    expect(await volumePayload(pod, { name: 'tmp', emptyDir: {} }, source)).toBeUndefined();
  });
});
