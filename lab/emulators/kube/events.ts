/**
 * A small event recorder for controllers: writes core/v1 Events about an
 * object and, like client-go's EventCorrelator, bumps `count` and
 * `lastTimestamp` of an identical recent event instead of adding a new one.
 */
import { randomBytes } from 'node:crypto';
import { timestamp } from './objects.ts';
import type { KubeObject } from './types.ts';

export type EventType = 'Normal' | 'Warning';

/** Where events go: in process (`server.events`) or over HTTP with any client. */
export interface EventSink {
  create(namespace: string, event: KubeObject): Promise<KubeObject>;
  update(namespace: string, event: KubeObject): Promise<KubeObject>;
}

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`, for example `external-secrets`. */
  component: string;
  sink: EventSink;
  /** Identical events within this window are counted on one Event (client-go uses 10 minutes). */
  aggregationMilliseconds?: number;
}

interface Recent {
  event: KubeObject;
  at: number;
}

export class EventRecorder {
  private readonly recent = new Map<string, Recent>();
  private readonly window: number;

  constructor(private readonly options: EventRecorderOptions) {
    this.window = options.aggregationMilliseconds ?? 10 * 60_000;
  }

  /** Records an event about `object`. Returns the stored Event. */
  async record(
    object: KubeObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<KubeObject> {
    const namespace = object.metadata.namespace || 'default';
    const key = [object.metadata.uid, object.kind, reason, type, message].join('\n');
    const now = Date.now();
    const previous = this.recent.get(key);
    if (previous && now - previous.at < this.window) {
      const next = structuredClone(previous.event);
      next.count = Number(next.count ?? 1) + 1;
      next.lastTimestamp = timestamp(new Date(now));
      const stored = await this.options.sink.update(namespace, next);
      this.recent.set(key, { event: stored, at: now });
      return stored;
    }
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${object.metadata.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`,
        namespace,
      },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: this.options.component },
      reportingComponent: this.options.component,
      reportingInstance: '',
      firstTimestamp: timestamp(new Date(now)),
      lastTimestamp: timestamp(new Date(now)),
      count: 1,
    };
    const stored = await this.options.sink.create(namespace, event);
    if (this.recent.size > 4096) this.recent.clear();
    this.recent.set(key, { event: stored, at: now });
    return stored;
  }
}
