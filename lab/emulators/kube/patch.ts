/**
 * The patch types of the Kubernetes API: JSON patch (RFC 6902), JSON merge
 * patch (RFC 7386) and strategic merge patch with the merge keys and
 * directives of k8s.io/apimachinery/pkg/util/strategicpatch/patch.go.
 */
// The package ships index.ts beside index.js, which tsx would load from source, so import the ES module build.
import * as fastJsonPatch from 'fast-json-patch/index.mjs';
import { KubeApiError } from './status.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function patchError(message: string): KubeApiError {
  return new KubeApiError(422, 'Invalid', message);
}

/** Applies an RFC 6902 JSON patch. A failed `test` or a missing path is 422, as kube-apiserver answers. */
export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw new KubeApiError(
      400,
      'BadRequest',
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  }
  try {
    const result = fastJsonPatch.applyPatch(
      structuredClone(document),
      patch as fastJsonPatch.Operation[],
      true,
      false,
    );
    return result.newDocument;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw patchError(`the server rejected our request due to an error in our request: ${message}`);
  }
}

/** Applies an RFC 7386 merge patch: objects merge, null removes, everything else replaces. */
export function applyMergePatch(document: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(document) ? structuredClone(document) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value) as Json;
  }
  return result;
}

/**
 * Merge keys of the built-in kinds, by field name, from the `patchMergeKey`
 * tags in k8s.io/api/core/v1/types.go and apps/v1/types.go. `ports` merges by
 * `containerPort` inside containers and by `port` in a Service spec.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  ephemeralContainerStatuses: 'name',
  podIPs: 'ip',
  hostIPs: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  schedulingGates: 'name',
};

/** Lists of scalars that strategic merge patch treats as sets (patchStrategy merge). */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

/** Returns the merge key of a list field, or undefined for lists that a patch replaces. */
function mergeKeyOf(field: string, path: string[], kind: string): string | undefined {
  if (field === 'ports') {
    if (kind === 'Service' && path.join('.') === 'spec') return 'port';
    if (path.at(-1) === undefined) return undefined;
    return path.includes('containers') || path.includes('initContainers')
      ? 'containerPort'
      : undefined;
  }
  return MERGE_KEYS[field];
}

/**
 * Applies a strategic merge patch to a built-in object. Supported: merge
 * keys, `$patch: replace|delete|merge` on maps and list items,
 * `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`, `$retainKeys`
 * and null to remove a field.
 */
export function applyStrategicMergePatch(document: unknown, patch: unknown, kind: string): unknown {
  if (!isObject(patch)) {
    throw new KubeApiError(400, 'BadRequest', 'a strategic merge patch must be a JSON object');
  }
  return mergeMap(isObject(document) ? document : {}, patch, [], kind);
}

function mergeMap(original: JsonObject, patch: JsonObject, path: string[], kind: string): Json {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const replaced: JsonObject = { ...patch };
    delete replaced.$patch;
    return stripDirectives(replaced);
  }
  if (directive === 'delete') return null;

  let result: JsonObject = structuredClone(original);
  const retainKeys = patch.$retainKeys;
  if (Array.isArray(retainKeys)) {
    const keep = new Set(retainKeys.map(String));
    result = Object.fromEntries(Object.entries(result).filter(([key]) => keep.has(key)));
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const remove = new Set(
        (Array.isArray(value) ? value : []).map((item) => JSON.stringify(item)),
      );
      const current = result[field];
      if (Array.isArray(current))
        result[field] = current.filter((item) => !remove.has(JSON.stringify(item)));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    result[key] = mergeValue(result[key], value, key, path, kind);
  }

  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith('$setElementOrder/') || !Array.isArray(order)) continue;
    const field = key.slice('$setElementOrder/'.length);
    const list = result[field];
    const mergeKey = mergeKeyOf(field, path, kind);
    if (Array.isArray(list)) result[field] = orderList(list, order, mergeKey);
  }
  return result;
}

function mergeValue(
  original: Json | undefined,
  patch: Json,
  field: string,
  path: string[],
  kind: string,
): Json {
  if (isObject(patch)) {
    return mergeMap(isObject(original) ? original : {}, patch, [...path, field], kind);
  }
  if (Array.isArray(patch)) {
    const mergeKey = mergeKeyOf(field, path, kind);
    if (mergeKey)
      return mergeList(
        Array.isArray(original) ? original : [],
        patch,
        mergeKey,
        [...path, field],
        kind,
      );
    if (MERGED_SCALAR_LISTS.has(field)) {
      const merged = Array.isArray(original) ? [...original] : [];
      for (const item of patch)
        if (!merged.some((existing) => JSON.stringify(existing) === JSON.stringify(item)))
          merged.push(item);
      return merged;
    }
    return stripDirectives(patch);
  }
  return patch;
}

function mergeList(
  original: Json[],
  patch: Json[],
  mergeKey: string,
  path: string[],
  kind: string,
): Json {
  if (
    patch.some(
      (item) => isObject(item) && item.$patch === 'replace' && Object.keys(item).length === 1,
    )
  ) {
    return stripDirectives(patch.filter((item) => !(isObject(item) && item.$patch === 'replace')));
  }
  const result: Json[] = structuredClone(original);
  for (const item of patch) {
    if (!isObject(item)) {
      result.push(item);
      continue;
    }
    const keyValue = item[mergeKey];
    const index = result.findIndex(
      (existing) => isObject(existing) && existing[mergeKey] === keyValue,
    );
    if (item.$patch === 'delete') {
      if (index !== -1) result.splice(index, 1);
      continue;
    }
    if (index === -1) result.push(stripDirectives(item));
    else result[index] = mergeMap(result[index] as JsonObject, item, path, kind);
  }
  return result;
}

/** Orders a merged list as `$setElementOrder` lists it. Items it does not name keep their place at the end. */
function orderList(list: Json[], order: Json[], mergeKey: string | undefined): Json[] {
  const keyOf = (item: Json): string =>
    JSON.stringify(mergeKey && isObject(item) ? item[mergeKey] : item);
  const wanted = order.map(keyOf);
  const ordered: Json[] = [];
  for (const key of wanted) {
    const found = list.find((item) => keyOf(item) === key);
    if (found !== undefined) ordered.push(found);
  }
  for (const item of list) if (!wanted.includes(keyOf(item))) ordered.push(item);
  return ordered;
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    result[key] = stripDirectives(child);
  }
  return result;
}
