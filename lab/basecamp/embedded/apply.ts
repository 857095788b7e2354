/**
 * Applies manifest objects through the Kubernetes API with the admin
 * credentials: create, or replace when the object exists (so a second
 * `lab up` on kept data converges).
 */
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { statusCodeOf, describeError, type ClusterClient } from '../../emulators/kubelet/cluster-client.ts';
import { EnvironmentError } from '../../core/errors.ts';
import type { ManifestFile } from '../manifests.ts';

export async function applyManifestFiles(client: ClusterClient, files: ManifestFile[], log: (message: string) => void): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(client.config);
  for (const file of files) {
    for (const object of file.objects) {
      const what = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
      try {
        await api.create(object as KubernetesObject);
        log(`created ${what} from ${file.file}`);
      } catch (error) {
        if (statusCodeOf(error) !== 409) {
          throw new EnvironmentError(`applying ${what} from manifests/${file.file} failed: ${describeError(error)}`, {
            hint: 'read the supervisor log in .lab/supervisor.log',
            cause: error,
          });
        }
        const existing = await api.read(object as KubernetesObject & { metadata: { name: string; namespace: string } });
        await api.replace({ ...object, metadata: { ...object.metadata, resourceVersion: existing.metadata?.resourceVersion } } as KubernetesObject);
        log(`replaced ${what} from ${file.file}`);
      }
    }
  }
}
