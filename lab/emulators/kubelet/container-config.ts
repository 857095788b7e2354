/**
 * What the kubelet resolves before it starts a container: environment
 * variables (env, envFrom) and the content of Secret, ConfigMap and
 * emptyDir volumes. Errors carry the kubelet's own texts
 * (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables, and the secret and
 * configmap volume plugins), because users search for them.
 */
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { VolumePayload } from './volume-writer.ts';

/** Reads a Secret or ConfigMap's data (values decoded to bytes); undefined when it does not exist. */
export interface ConfigSource {
  secret(namespace: string, name: string): Promise<Record<string, Buffer> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, Buffer> | undefined>;
}

/** A container that cannot start yet: the waiting reason and message the pod status shows. */
export type WaitingReason = 'CreateContainerConfigError' | 'ContainerCreating' | 'ImagePullBackOff';

export class ContainerConfigError extends Error {
  readonly reason: WaitingReason;
  constructor(reason: WaitingReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Resolves `env` and `envFrom` once, as the kubelet does at container start. */
export async function resolveEnvironment(pod: V1Pod, container: V1Container, source: ConfigSource, podIp: string, nodeIp: string): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace as string;
  const env: Record<string, string> = {};

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.secretRef) {
      const data = await source.secret(namespace, from.secretRef.name as string);
      if (!data) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError('CreateContainerConfigError', `secret "${from.secretRef.name}" not found`);
      }
      for (const [key, value] of Object.entries(data)) env[prefix + key] = value.toString('utf8');
    }
    if (from.configMapRef) {
      const data = await source.configMap(namespace, from.configMapRef.name as string);
      if (!data) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError('CreateContainerConfigError', `configmap "${from.configMapRef.name}" not found`);
      }
      for (const [key, value] of Object.entries(data)) env[prefix + key] = value.toString('utf8');
    }
  }

  for (const variable of container.env ?? []) {
    const value = await resolveVariable(pod, variable, source, podIp, nodeIp, env);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

async function resolveVariable(
  pod: V1Pod,
  variable: NonNullable<V1Container['env']>[number],
  source: ConfigSource,
  podIp: string,
  nodeIp: string,
  earlier: Record<string, string>,
): Promise<string | undefined> {
  const namespace = pod.metadata?.namespace as string;
  if (variable.value !== undefined) return expandReferences(variable.value, earlier);
  const from = variable.valueFrom;
  if (!from) return '';
  if (from.secretKeyRef) {
    const { name, key, optional } = from.secretKeyRef;
    const data = await source.secret(namespace, name as string);
    if (!data) {
      if (optional) return undefined;
      throw new ContainerConfigError('CreateContainerConfigError', `secret "${name}" not found`);
    }
    const value = data[key];
    if (value === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError('CreateContainerConfigError', `couldn't find key ${key} in Secret ${namespace}/${name}`);
    }
    return value.toString('utf8');
  }
  if (from.configMapKeyRef) {
    const { name, key, optional } = from.configMapKeyRef;
    const data = await source.configMap(namespace, name as string);
    if (!data) {
      if (optional) return undefined;
      throw new ContainerConfigError('CreateContainerConfigError', `configmap "${name}" not found`);
    }
    const value = data[key];
    if (value === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError('CreateContainerConfigError', `couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
    }
    return value.toString('utf8');
  }
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, podIp, nodeIp);
  throw new ContainerConfigError('CreateContainerConfigError', `env ${variable.name}: only value, secretKeyRef, configMapKeyRef and fieldRef are supported`);
}

/** `$(VAR)` references to earlier variables, with `$$` as an escaped `$` (Kubernetes expansion rules). */
function expandReferences(value: string, earlier: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && earlier[name] !== undefined ? earlier[name] : match;
  });
}

function fieldValue(pod: V1Pod, path: string, podIp: string, nodeIp: string): string {
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
      return podIp;
    case 'status.hostIP':
      return nodeIp;
    default: {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
      if (label) return pod.metadata?.labels?.[label[1] as string] ?? '';
      throw new ContainerConfigError('CreateContainerConfigError', `unsupported fieldRef fieldPath ${path}`);
    }
  }
}

/**
 * The files of one volume, or undefined for volume types the kubelet keeps
 * no content for (emptyDir). A missing Secret or ConfigMap keeps the pod in
 * ContainerCreating with the volume plugin's message.
 */
export async function volumePayload(pod: V1Pod, volume: V1Volume, source: ConfigSource): Promise<VolumePayload | undefined> {
  const namespace = pod.metadata?.namespace as string;
  if (volume.secret) {
    const name = volume.secret.secretName as string;
    const data = await source.secret(namespace, name);
    if (!data) {
      if (volume.secret.optional) return new Map();
      throw new ContainerConfigError('ContainerCreating', `MountVolume.SetUp failed for volume "${volume.name}" : secret "${name}" not found`);
    }
    return itemsPayload(data, volume.secret.items, volume.secret.defaultMode ?? 0o644, `Secret ${namespace}/${name}`, volume.name);
  }
  if (volume.configMap) {
    const name = volume.configMap.name as string;
    const data = await source.configMap(namespace, name);
    if (!data) {
      if (volume.configMap.optional) return new Map();
      throw new ContainerConfigError('ContainerCreating', `MountVolume.SetUp failed for volume "${volume.name}" : configmap "${name}" not found`);
    }
    return itemsPayload(data, volume.configMap.items, volume.configMap.defaultMode ?? 0o644, `ConfigMap ${namespace}/${name}`, volume.name);
  }
  if (volume.emptyDir) return undefined;
  throw new ContainerConfigError('ContainerCreating', `volume "${volume.name}": only secret, configMap and emptyDir volumes are supported by the embedded kubelet`);
}

function itemsPayload(
  data: Record<string, Buffer>,
  items: Array<{ key: string; path: string; mode?: number }> | undefined,
  defaultMode: number,
  what: string,
  volumeName: string,
): VolumePayload {
  const payload: VolumePayload = new Map();
  if (!items || items.length === 0) {
    for (const [key, content] of Object.entries(data)) payload.set(key, { content, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const content = data[item.key];
    if (content === undefined) {
      throw new ContainerConfigError('ContainerCreating', `MountVolume.SetUp failed for volume "${volumeName}" : references non-existent secret key: ${item.key} (${what})`);
    }
    payload.set(item.path, { content, mode: item.mode ?? defaultMode });
  }
  return payload;
}
