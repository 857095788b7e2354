/**
 * Watch streams: one JSON `{type, object}` per line, synthetic ADDED events
 * for the current state when the watch starts at resourceVersion 0 or unset,
 * 410 Expired for a compacted resourceVersion, selector transitions turned
 * into ADDED and DELETED as the watch cache does (storage/cacher), bookmarks
 * and `timeoutSeconds`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asServed } from './objects.ts';
import {
  type FieldRequirement,
  type LabelSelector,
  matchesFields,
  matchesLabels,
} from './selectors.ts';
import { expired } from './status.ts';
import { type ObjectStore, type StoredChange, storageKeyOf } from './store.ts';
import type { KubeObject, ResourceType, WatchEventType } from './types.ts';

export interface WatchRequest {
  resource: ResourceType;
  namespace: string;
  labelSelector: LabelSelector;
  fieldSelector: FieldRequirement[];
  /** The resourceVersion query parameter. Undefined or `0` starts with the current state. */
  resourceVersion: string | undefined;
  timeoutSeconds: number;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** Converts each object before it is sent, for example to a Table row. */
  transform: (object: KubeObject) => unknown;
}

/** Without timeoutSeconds a watch lasts this long, as kube-apiserver's --min-request-timeout default (30 minutes). */
export const DEFAULT_WATCH_SECONDS = 1800;
/** Bookmarks are sent about once a minute, as the watch cache does. */
export const BOOKMARK_INTERVAL_MILLISECONDS = 60_000;

export class WatchHub {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly store: ObjectStore) {}

  get activeCount(): number {
    return this.open.size;
  }

  serve(request: IncomingMessage, response: ServerResponse, watch: WatchRequest): void {
    const storageKey = storageKeyOf(watch.resource);
    const namespace = watch.resource.namespaced ? watch.namespace : '';
    const matches = (object: KubeObject | undefined): boolean =>
      object !== undefined &&
      (!namespace || object.metadata.namespace === namespace) &&
      matchesLabels(watch.labelSelector, object.metadata.labels) &&
      matchesFields(watch.fieldSelector, object);

    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    response.flushHeaders();
    const send = (type: WatchEventType, object: unknown): void => {
      response.write(`${JSON.stringify({ type, object })}\n`);
    };
    const sendObject = (type: WatchEventType, object: KubeObject): void =>
      send(type, watch.transform(asServed(object, watch.resource)));

    let lastSent = 0;
    const deliver = (change: StoredChange): void => {
      if (change.storageKey !== storageKey || change.resourceVersion <= lastSent) return;
      lastSent = change.resourceVersion;
      const isMatch = matches(change.object);
      const wasMatch = change.type !== 'ADDED' && matches(change.oldObject);
      if (change.type === 'ADDED' && isMatch) sendObject('ADDED', change.object);
      else if (change.type === 'MODIFIED' && isMatch)
        sendObject(wasMatch ? 'MODIFIED' : 'ADDED', change.object);
      else if (change.type === 'MODIFIED' && wasMatch) sendObject('DELETED', change.object);
      else if (change.type === 'DELETED' && wasMatch) sendObject('DELETED', change.object);
    };

    const buffered: StoredChange[] = [];
    let replaying = true;
    const unsubscribe = this.store.subscribe((change) => {
      if (replaying) buffered.push(change);
      else deliver(change);
    });

    const startVersion = watch.resourceVersion;
    if (
      startVersion === undefined ||
      startVersion === '' ||
      startVersion === '0' ||
      watch.sendInitialEvents
    ) {
      lastSent = this.store.resourceVersion;
      for (const object of this.store.list(storageKey, namespace || undefined))
        if (matches(object)) sendObject('ADDED', object);
      if (watch.sendInitialEvents && watch.allowBookmarks) {
        send('BOOKMARK', this.bookmark(watch, { 'k8s.io/initial-events-end': 'true' }));
      }
    } else {
      const from = Number(startVersion);
      const changes = Number.isInteger(from) ? this.store.changesSince(from) : undefined;
      if (!changes) {
        const status = expired(
          `too old resource version: ${startVersion} (${this.store.oldestWatchableVersion})`,
        ).toStatus();
        send('ERROR', status);
        unsubscribe();
        response.end();
        return;
      }
      lastSent = from;
      for (const change of changes) deliver(change);
    }
    replaying = false;
    for (const change of buffered.splice(0)) deliver(change);

    this.open.add(response);
    const bookmarkTimer = watch.allowBookmarks
      ? setInterval(() => send('BOOKMARK', this.bookmark(watch)), BOOKMARK_INTERVAL_MILLISECONDS)
      : undefined;
    const timeout = setTimeout(() => finish(), watch.timeoutSeconds * 1000);
    const finish = (): void => {
      clearTimeout(timeout);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      unsubscribe();
      this.open.delete(response);
      if (!response.writableEnded) response.end();
    };
    request.on('close', finish);
    response.on('close', finish);
  }

  private bookmark(watch: WatchRequest, annotations?: Record<string, string>): object {
    const metadata: Record<string, unknown> = {
      resourceVersion: String(this.store.resourceVersion),
    };
    if (annotations) metadata.annotations = annotations;
    const apiVersion = watch.resource.group
      ? `${watch.resource.group}/${watch.resource.version}`
      : watch.resource.version;
    return { kind: watch.resource.kind, apiVersion, metadata };
  }

  /** Ends every open watch. Clients see the stream close and re-watch. */
  closeAll(): void {
    for (const response of this.open) response.end();
    this.open.clear();
  }
}
