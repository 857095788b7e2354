/**
 * Small helpers on stored objects: timestamps, uids, generated names,
 * comparisons that ignore resourceVersion, and version conversion of custom
 * objects.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { groupVersionOf } from './resources.ts';
import type { KubeObject, ResourceType } from './types.ts';

/** RFC 3339 in UTC, to the second, as metav1.Time marshals. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newUid(): string {
  return randomUUID();
}

/** The characters of apiserver/pkg/storage/names/generate.go (no vowels, no confusable digits). */
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Appends five random characters to a generateName prefix, trimmed to keep the name within 63 characters. */
export function generateName(prefix: string): string {
  let suffix = '';
  for (let index = 0; index < 5; index += 1)
    suffix += GENERATE_ALPHABET[randomInt(GENERATE_ALPHABET.length)];
  const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  return `${base}${suffix}`;
}

/** Deep equality of two JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const leftKeys = Object.keys(left).filter((key) => left[key] !== undefined);
  const rightKeys = Object.keys(right).filter((key) => right[key] !== undefined);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every((key) => jsonEqual(left[key], right[key]));
}

/** True when two versions of an object differ outside resourceVersion and managedFields. */
export function objectChanged(before: KubeObject, after: KubeObject): boolean {
  const strip = (object: KubeObject): KubeObject => {
    const { resourceVersion: _rv, managedFields: _managed, ...metadata } = object.metadata;
    return { ...object, metadata };
  };
  return !jsonEqual(strip(before), strip(after));
}

/** True when anything but metadata and status changed: the rule for bumping `metadata.generation`. */
export function specChanged(before: KubeObject, after: KubeObject): boolean {
  const strip = (object: KubeObject): Record<string, unknown> => {
    const {
      metadata: _metadata,
      status: _status,
      apiVersion: _apiVersion,
      kind: _kind,
      ...rest
    } = object;
    return rest;
  };
  return !jsonEqual(strip(before), strip(after));
}

/** Returns a copy of a stored object as the requested version serves it. */
export function asServed(object: KubeObject, resource: ResourceType): KubeObject {
  const copy = structuredClone(object);
  copy.apiVersion = groupVersionOf(resource);
  copy.kind = resource.kind;
  return copy;
}
