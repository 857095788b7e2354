/**
 * Events by reason and message, as `kubectl describe` lists them. Only events
 * seen since the fault was injected (or the scenario started) count, so an
 * old event from an earlier scenario does not pass the probe.
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineProbe } from './probe.ts';

interface EventObject extends KubeObject {
  reason?: string;
  message?: string;
  type?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
}

/** Event timestamps have one-second resolution (RFC 3339 without fractions), so allow that much slack. */
const TIMESTAMP_SLACK_MS = 1000;

export const eventProbe = defineProbe({
  name: 'event',
  description: 'an Event with the given reason whose message contains a fragment, since the fault',
  schema: z.strictObject({
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    involvedKind: z.string().optional(),
    involvedName: z.string().optional(),
    reason: z.string().min(1),
    type: z.enum(['Normal', 'Warning']).optional(),
    messageIncludes: z.string().optional(),
    /** `absent` passes when no such event exists. */
    expect: z.enum(['present', 'absent']).default('present'),
  }),
  async check({ clients, state }, params) {
    const since = (state.faultInjectedAt ?? state.scenarioStartedAt).getTime() - TIMESTAMP_SLACK_MS;
    const events = await clients.kube.list<EventObject>('v1', 'Event', params.namespace);
    const matches = events.filter((event) => {
      if (event.reason !== params.reason) return false;
      if (params.type && event.type !== params.type) return false;
      if (params.involvedKind && event.involvedObject?.kind !== params.involvedKind) return false;
      if (params.involvedName && event.involvedObject?.name !== params.involvedName) return false;
      if (params.messageIncludes && !(event.message ?? '').includes(params.messageIncludes)) return false;
      return eventTime(event) >= since;
    });
    const latest = matches.sort((a, b) => eventTime(b) - eventTime(a))[0];
    const subject = `${params.involvedKind ?? 'object'} ${params.involvedName ?? '*'}`;
    if (params.expect === 'absent') {
      if (!latest) return { ok: true, message: `no ${params.reason} event for ${subject}` };
      return { ok: false, message: `unexpected event ${latest.reason} ${latest.message ?? ''}` };
    }
    if (!latest) return { ok: false, message: `no ${params.reason} event for ${subject} yet` };
    const involved = latest.involvedObject ?? {};
    return {
      ok: true,
      message: `${latest.type ?? ''} ${latest.reason} on ${involved.kind}/${involved.name}: ${latest.message ?? ''}`.trim(),
    };
  },
});

function eventTime(event: EventObject): number {
  const text = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return typeof text === 'string' ? Date.parse(text) : 0;
}
