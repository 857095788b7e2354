/**
 * Builds the target Secret from fetched data: the template (type, labels,
 * annotations, data) with ESO's merge rules, the managed label, the data
 * hash annotation and the owner reference.
 */
import { executeTemplate } from './go-template.ts';
import { dataHash, decodeSecretData, encodeSecretData } from './hash.ts';
import { ANNOTATION_DATA_HASH, LABEL_MANAGED } from './messages.ts';
import type { ExternalSecret, KubeSecret, OwnerReference, SecretData } from './types.ts';

const OWNER_API_VERSION = 'external-secrets.io/v1';

/** Applies `spec.target.template`; without `template.data` the fetched keys pass through unchanged. */
export function applyTemplate(
  es: ExternalSecret,
  fetched: SecretData,
): {
  data: SecretData;
  type: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const template = es.spec?.target?.template;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(fetched)) values[key] = value.toString('utf8');

  const render = (section: string, entries: Record<string, string> | undefined) => {
    const rendered: Record<string, string> = {};
    for (const [key, source] of Object.entries(entries ?? {})) {
      try {
        rendered[key] = executeTemplate(key, source, values);
      } catch (error) {
        throw new Error(
          `unable to execute template at key ${section}${key}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    return rendered;
  };

  let data: SecretData = fetched;
  if (template?.data && Object.keys(template.data).length > 0) {
    const renderedData = render('', template.data);
    const templated: SecretData = {};
    for (const [key, value] of Object.entries(renderedData))
      templated[key] = Buffer.from(value, 'utf8');
    data = template.mergePolicy === 'Merge' ? { ...fetched, ...templated } : templated;
  }
  return {
    data,
    type: template?.type ?? 'Opaque',
    labels: render('metadata.labels.', template?.metadata?.labels),
    annotations: render('metadata.annotations.', template?.metadata?.annotations),
  };
}

export function ownerReference(es: ExternalSecret): OwnerReference {
  return {
    apiVersion: OWNER_API_VERSION,
    kind: 'ExternalSecret',
    name: es.metadata.name,
    uid: es.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Returns the ExternalSecret owner reference that controls `secret`, if any. */
export function controllerOwner(secret: KubeSecret): OwnerReference | undefined {
  return secret.metadata.ownerReferences?.find(
    (ref) => ref.controller && ref.kind === 'ExternalSecret',
  );
}

/**
 * Returns the Secret to write for creationPolicy Owner or Orphan: the existing
 * object's other metadata is kept, its data is replaced.
 */
export function desiredOwnedSecret(
  es: ExternalSecret,
  targetName: string,
  built: ReturnType<typeof applyTemplate>,
  existing: KubeSecret | undefined,
): KubeSecret {
  const policy = es.spec?.target?.creationPolicy ?? 'Owner';
  const otherOwners = (existing?.metadata.ownerReferences ?? []).filter(
    (ref) => ref.uid !== es.metadata.uid,
  );
  const ownerReferences = policy === 'Owner' ? [...otherOwners, ownerReference(es)] : otherOwners;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...(existing?.metadata ?? {}),
      name: targetName,
      namespace: es.metadata.namespace,
      labels: { ...(existing?.metadata.labels ?? {}), ...built.labels, [LABEL_MANAGED]: 'true' },
      annotations: {
        ...(existing?.metadata.annotations ?? {}),
        ...built.annotations,
        [ANNOTATION_DATA_HASH]: dataHash(built.data),
      },
      ...(ownerReferences.length > 0 ? { ownerReferences } : { ownerReferences: undefined }),
    },
    type: existing?.type ?? built.type,
    data: encodeSecretData(built.data),
  };
}

/** Returns the Secret to write for creationPolicy Merge: fetched keys are added to the existing ones. */
export function desiredMergedSecret(
  built: ReturnType<typeof applyTemplate>,
  existing: KubeSecret,
): KubeSecret {
  const merged = { ...decodeSecretData(existing.data), ...built.data };
  return {
    ...existing,
    metadata: {
      ...existing.metadata,
      labels: { ...(existing.metadata.labels ?? {}), ...built.labels },
      annotations: {
        ...(existing.metadata.annotations ?? {}),
        ...built.annotations,
        [ANNOTATION_DATA_HASH]: dataHash(merged),
      },
    },
    data: encodeSecretData(merged),
  };
}

/** True when writing `desired` would change anything the controller manages. */
export function secretDiffers(existing: KubeSecret, desired: KubeSecret): boolean {
  return (
    JSON.stringify(sorted(existing.data)) !== JSON.stringify(sorted(desired.data)) ||
    JSON.stringify(sorted(existing.metadata.labels)) !==
      JSON.stringify(sorted(desired.metadata.labels)) ||
    JSON.stringify(sorted(existing.metadata.annotations)) !==
      JSON.stringify(sorted(desired.metadata.annotations)) ||
    ownerKeys(existing.metadata.ownerReferences) !== ownerKeys(desired.metadata.ownerReferences) ||
    (existing.type ?? 'Opaque') !== (desired.type ?? 'Opaque')
  );
}

function ownerKeys(refs: OwnerReference[] | undefined): string {
  return (refs ?? [])
    .map((ref) => `${ref.kind}/${ref.name}/${ref.uid}/${ref.controller === true}`)
    .join(',');
}

function sorted(map: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(map ?? {}).sort(([left], [right]) => left.localeCompare(right));
}
