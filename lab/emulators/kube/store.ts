/**
 * The in-memory object store: one global resourceVersion counter (as etcd's
 * revision), a bounded history of changes for watches to resume from, and
 * the watchers. Objects are stored as plain JSON and cloned on the way out.
 */
import type { KubeObject, ResourceType, WatchEventType } from './types.ts';

export interface StoredChange {
  resourceVersion: number;
  /** `group/plural`: the storage key, the same for every served version. */
  storageKey: string;
  namespace: string;
  type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;
  object: KubeObject;
  /** The object before a MODIFIED or DELETED change. */
  oldObject?: KubeObject;
}

export type ChangeListener = (change: StoredChange) => void;

export interface StoreSnapshot {
  resourceVersion: number;
  objects: Array<{ storageKey: string; object: KubeObject }>;
}

/** The change history kept for watches: an older resourceVersion gets 410 Expired. */
export const DEFAULT_HISTORY_SIZE = 10_000;

export function storageKeyOf(resource: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${resource.group}/${resource.plural}`;
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class ObjectStore {
  private readonly collections = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoredChange[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private revision = 0;
  /** Changes up to and including this resourceVersion are no longer in the history. */
  private compactedThrough = 0;

  constructor(private readonly historySize = DEFAULT_HISTORY_SIZE) {}

  get resourceVersion(): number {
    return this.revision;
  }

  get oldestWatchableVersion(): number {
    return this.compactedThrough;
  }

  get(storageKey: string, namespace: string, name: string): KubeObject | undefined {
    return this.collections.get(storageKey)?.get(objectKey(namespace, name));
  }

  /** Lists a collection, sorted by namespace then name as etcd keys sort. */
  list(storageKey: string, namespace?: string): KubeObject[] {
    const collection = this.collections.get(storageKey);
    if (!collection) return [];
    const items: KubeObject[] = [];
    for (const object of collection.values()) {
      if (namespace && object.metadata.namespace !== namespace) continue;
      items.push(object);
    }
    return items.sort(compareObjects);
  }

  /** Stores a new or changed object under a fresh resourceVersion and notifies watchers. */
  put(storageKey: string, object: KubeObject): KubeObject {
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name ?? '';
    let collection = this.collections.get(storageKey);
    if (!collection) {
      collection = new Map();
      this.collections.set(storageKey, collection);
    }
    const oldObject = collection.get(objectKey(namespace, name));
    this.revision += 1;
    const stored: KubeObject = structuredClone(object);
    stored.metadata.resourceVersion = String(this.revision);
    collection.set(objectKey(namespace, name), stored);
    this.record({
      resourceVersion: this.revision,
      storageKey,
      namespace,
      type: oldObject ? 'MODIFIED' : 'ADDED',
      object: stored,
      oldObject,
    });
    return stored;
  }

  /** Removes an object. The DELETED event carries a fresh resourceVersion. */
  remove(storageKey: string, namespace: string, name: string): KubeObject | undefined {
    const collection = this.collections.get(storageKey);
    const oldObject = collection?.get(objectKey(namespace, name));
    if (!collection || !oldObject) return undefined;
    collection.delete(objectKey(namespace, name));
    this.revision += 1;
    const deleted: KubeObject = structuredClone(oldObject);
    deleted.metadata.resourceVersion = String(this.revision);
    this.record({
      resourceVersion: this.revision,
      storageKey,
      namespace,
      type: 'DELETED',
      object: deleted,
      oldObject,
    });
    return deleted;
  }

  /** Drops a whole collection without events (a CRD that is gone). */
  dropCollection(storageKey: string): void {
    this.collections.delete(storageKey);
  }

  /**
   * Returns the changes after `resourceVersion`, or undefined when some of
   * them were compacted away (the caller answers 410 Expired).
   */
  changesSince(resourceVersion: number): StoredChange[] | undefined {
    if (resourceVersion < this.compactedThrough) return undefined;
    const first = this.history.findIndex((change) => change.resourceVersion > resourceVersion);
    return first === -1 ? [] : this.history.slice(first);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets the whole change history, as an etcd compaction does. Older watches get 410. */
  compact(): void {
    this.history.length = 0;
    this.compactedThrough = this.revision;
  }

  snapshot(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = [];
    for (const [storageKey, collection] of this.collections) {
      for (const object of collection.values()) objects.push({ storageKey, object });
    }
    return { resourceVersion: this.revision, objects };
  }

  /** Loads a snapshot: no events, and the history starts empty at its resourceVersion. */
  restore(snapshot: StoreSnapshot): void {
    this.collections.clear();
    for (const { storageKey, object } of snapshot.objects) {
      let collection = this.collections.get(storageKey);
      if (!collection) {
        collection = new Map();
        this.collections.set(storageKey, collection);
      }
      collection.set(
        objectKey(object.metadata.namespace ?? '', object.metadata.name ?? ''),
        object,
      );
    }
    this.revision = snapshot.resourceVersion;
    this.compact();
  }

  private record(change: StoredChange): void {
    this.history.push(change);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compactedThrough = dropped.at(-1)?.resourceVersion ?? this.compactedThrough;
    }
    for (const listener of this.listeners) listener(change);
  }
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  const byNamespace = compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '');
  return byNamespace !== 0
    ? byNamespace
    : compareStrings(a.metadata.name ?? '', b.metadata.name ?? '');
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
