/**
 * Writes core/v1 Events from the `external-secrets` component, as
 * client-go's record.EventRecorder does: a repeat of the same reason and
 * message on the same object raises `count` and `lastTimestamp` of the
 * existing Event instead of creating a new one.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from './kube-client.ts';
import type { ControllerLogger } from './logger.ts';
import { RECORDER } from './messages.ts';
import type { ObjectMeta } from './types.ts';

export type EventType = 'Normal' | 'Warning';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

const MAX_REMEMBERED = 4096;

export class EventRecorder {
  private readonly seen = new Map<string, SeenEvent>();

  constructor(
    private readonly kube: KubeClient,
    private readonly log: ControllerLogger,
    private readonly now: () => number,
  ) {}

  /** Records an event; a failure is logged and never fails the reconcile. */
  async record(
    object: InvolvedObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const namespace = object.metadata.namespace || 'default';
    const key = [
      object.kind,
      namespace,
      object.metadata.name,
      object.metadata.uid,
      type,
      reason,
      message,
    ].join('\u0000');
    const timestamp = new Date(this.now()).toISOString();
    const previous = this.seen.get(key);
    const count = (previous?.count ?? 0) + 1;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: previous?.name ?? `${object.metadata.name}.${randomBytes(8).toString('hex')}`,
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
      reason,
      message,
      type,
      source: { component: RECORDER },
      reportingComponent: RECORDER,
      firstTimestamp: previous?.firstTimestamp ?? timestamp,
      lastTimestamp: timestamp,
      count,
    };
    try {
      if (previous) {
        try {
          await this.kube.patchEvent(namespace, event.metadata.name, {
            count,
            lastTimestamp: timestamp,
          });
        } catch {
          // The Event may have expired or been deleted: start a new series.
          event.metadata.name = `${object.metadata.name}.${randomBytes(8).toString('hex')}`;
          event.count = 1;
          event.firstTimestamp = timestamp;
          await this.kube.createEvent(event);
        }
      } else {
        await this.kube.createEvent(event);
      }
      this.remember(key, {
        name: event.metadata.name,
        namespace,
        count: event.count,
        firstTimestamp: event.firstTimestamp,
      });
    } catch (error) {
      this.log.error('failed to record event', error, {
        kind: object.kind,
        namespace,
        name: object.metadata.name,
        reason,
      });
    }
  }

  private remember(key: string, value: SeenEvent): void {
    this.seen.delete(key);
    this.seen.set(key, value);
    if (this.seen.size > MAX_REMEMBERED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
