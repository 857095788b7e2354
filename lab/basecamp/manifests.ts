/**
 * The platform's Kubernetes objects, from the YAML files in `manifests/`.
 * Every basecamp applies the same files in file-name order; the only
 * per-basecamp values are `${NAME}` placeholders (the Vault CA bundle).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { InvalidInputError } from '../core/errors.ts';

export const MANIFEST_DIR = fileURLToPath(new URL('./manifests/', import.meta.url));
/** ESO's CustomResourceDefinitions, which the external-secrets Helm chart installs. */
export const ESO_CRD_DIR = fileURLToPath(new URL('../emulators/eso/crds/', import.meta.url));

/** The label on every object the lab creates; the kubeconfig basecamp touches only these. */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF_VALUE = 'basecamp-lab';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [field: string]: unknown };
  [field: string]: unknown;
}

export interface ManifestFile {
  file: string;
  objects: ManifestObject[];
}

export interface ManifestVariables {
  /** Base64 of the PEM CA that signed Vault's certificate. */
  VAULT_CA_BUNDLE: string;
}

/** Reads the ESO CustomResourceDefinitions (no placeholders). */
export async function loadEsoCrds(): Promise<ManifestFile[]> {
  const files = (await readdir(ESO_CRD_DIR)).filter((name) => name.endsWith('.yaml')).sort();
  const result: ManifestFile[] = [];
  for (const file of files) result.push({ file, objects: parseManifest(await readFile(join(ESO_CRD_DIR, file), 'utf8'), file) });
  return result;
}

/** Reads and parses every manifest file, substituting `${NAME}` placeholders. */
export async function loadManifests(variables: ManifestVariables, folder = MANIFEST_DIR): Promise<ManifestFile[]> {
  const files = (await readdir(folder)).filter((name) => name.endsWith('.yaml')).sort();
  const result: ManifestFile[] = [];
  for (const file of files) {
    const text = substitute(await readFile(join(folder, file), 'utf8'), variables, file);
    result.push({ file, objects: parseManifest(text, file) });
  }
  return result;
}

/** Replaces `${NAME}`; a placeholder without a value is an error naming the file. */
export function substitute(text: string, variables: ManifestVariables, file: string): string {
  const values = variables as unknown as Record<string, string>;
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new InvalidInputError(`manifest ${file} uses \${${name}} but no value was given`, {
        hint: `pass ${name} in the manifest variables`,
      });
    }
    return value;
  });
}

/** Parses a multi-document YAML file into objects and checks the fields every object needs. */
export function parseManifest(text: string, file: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    if (document.errors.length > 0) {
      throw new InvalidInputError(`manifest ${file} document ${index + 1} is invalid YAML: ${document.errors[0]?.message}`);
    }
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) return;
    const object = value as Partial<ManifestObject>;
    for (const field of ['apiVersion', 'kind'] as const) {
      if (typeof object[field] !== 'string' || object[field] === '') {
        throw new InvalidInputError(`manifest ${file} document ${index + 1} has no ${field}`, { hint: 'every object needs apiVersion, kind and metadata.name' });
      }
    }
    if (typeof object.metadata?.name !== 'string' || object.metadata.name === '') {
      throw new InvalidInputError(`manifest ${file} document ${index + 1} (${object.kind}) has no metadata.name`);
    }
    objects.push(object as ManifestObject);
  });
  return objects;
}
