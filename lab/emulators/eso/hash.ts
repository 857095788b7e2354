/**
 * The hashes ESO writes: `md5(fmt.Sprintf("%+v", value))` in hex, from
 * external-secrets pkg/utils/utils.go (`ObjectHash`, `HashMeta`) and
 * pkg/controllers/util (`GetResourceVersion`). Go prints maps with their keys
 * sorted, `[]byte` as decimal numbers in brackets and structs as `{field:value}`.
 */
import { createHash } from 'node:crypto';
import type { ObjectMeta, SecretData } from './types.ts';

/** `%+v` of a Go `map[string][]byte`, for example `map[a:[104 105]]`. */
export function formatByteMap(data: SecretData): string {
  const entries = Object.keys(data)
    .sort()
    .map((key) => `${key}:[${Array.from(data[key] ?? []).join(' ')}]`);
  return `map[${entries.join(' ')}]`;
}

/** `%+v` of a Go `map[string]string`, for example `map[team:a]`. */
export function formatStringMap(map: Record<string, string> | undefined): string {
  const entries = Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}:${map?.[key]}`);
  return `map[${entries.join(' ')}]`;
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** Computes the `reconcile.external-secrets.io/data-hash` annotation of a managed Secret. */
export function dataHash(data: SecretData): string {
  return md5(formatByteMap(data));
}

/** Hash of an object's annotations and labels, so changing either forces a sync. */
export function metaHash(meta: Pick<ObjectMeta, 'annotations' | 'labels'>): string {
  return md5(
    `{annotations:${formatStringMap(meta.annotations)} labels:${formatStringMap(meta.labels)}}`,
  );
}

/** `status.syncedResourceVersion`: `<generation>-<metaHash>`. */
export function resourceVersionOf(meta: ObjectMeta): string {
  return `${meta.generation ?? 0}-${metaHash(meta)}`;
}

/** Decodes a Secret's base64 `data` into bytes. */
export function decodeSecretData(data: Record<string, string> | undefined): SecretData {
  const decoded: SecretData = {};
  for (const [key, value] of Object.entries(data ?? {}))
    decoded[key] = Buffer.from(value, 'base64');
  return decoded;
}

export function encodeSecretData(data: SecretData): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) encoded[key] = value.toString('base64');
  return encoded;
}

export function sameSecretData(left: SecretData, right: SecretData): boolean {
  const leftKeys = Object.keys(left).sort();
  const rightKeys = Object.keys(right).sort();
  if (leftKeys.join('\0') !== rightKeys.join('\0')) return false;
  return leftKeys.every((key) => left[key]?.equals(right[key] ?? Buffer.alloc(0)));
}
