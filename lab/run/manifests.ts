/**
 * Applies a scenario's setup manifests (multi-document YAML) with create or
 * replace, and registers a delete for each object, so teardown removes what
 * setup added.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { type KubeClient, type KubeObject, refOf } from '../clients/kube.ts';
import { InvalidInputError } from '../core/errors.ts';

type Manifest = KubeObject & { apiVersion: string; kind: string };

export async function applyManifests(
  kube: KubeClient,
  files: string[],
  onRevert: (name: string, undo: () => Promise<void>) => void,
): Promise<number> {
  let applied = 0;
  for (const file of files) {
    for (const object of await readManifests(file)) {
      const ref = refOf(object);
      const existed = Boolean(await kube.get(ref));
      await kube.upsert(object);
      if (!existed) {
        onRevert(`delete ${object.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`, async () => {
          await kube.delete(ref);
        });
      }
      applied++;
    }
  }
  return applied;
}

export async function readManifests(file: string): Promise<Manifest[]> {
  const documents = parseAllDocuments(await readFile(file, 'utf8'));
  const objects: Manifest[] = [];
  for (const [index, document] of documents.entries()) {
    const value = document.toJS() as Partial<Manifest> | null;
    if (value === null) continue;
    if (!value.apiVersion || !value.kind || !value.metadata?.name) {
      throw new InvalidInputError(`manifest ${file} document ${index + 1} has no apiVersion, kind or metadata.name`, {
        hint: 'each document must be a complete Kubernetes object',
      });
    }
    objects.push(value as Manifest);
  }
  return objects;
}
