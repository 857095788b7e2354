/**
 * The propagation steps after Vault has a new credential, shared by the
 * strategies that deliver it through ESO and a mounted Secret: force a
 * sync, wait for the Secret, for the pods to reload the files, for the
 * service to answer with the new credential, and check the old one.
 */
import type { Credential } from '../clients/postgres.ts';
import { parseDuration } from '../core/duration.ts';
import { type PropagationTimeline, type RotationContext, waitFor } from './context.ts';
import {
  externalSecretRef,
  forceSync,
  podReloads,
  readSecretCredential,
  type ServiceSample,
  sampleService,
  tryCredential,
} from './platform-steps.ts';
import type { CommonParams } from './strategy.ts';

/** A test that a service response was served with the new credential. */
export type ServedWith = (sample: ServiceSample) => boolean;

/** Returns true when the Secret contains `credential`, else undefined, as `waitFor` expects. */
export async function secretContains(
  context: RotationContext,
  params: CommonParams,
  credential: Credential,
): Promise<true | undefined> {
  const current = await readSecretCredential(
    context.clients,
    context.redactor,
    params.secret,
    params.namespace,
  );
  return current?.username === credential.username && current.password === credential.password
    ? true
    : undefined;
}

/** Forces an ESO sync and waits until the Secret contains `fresh`. */
export async function awaitSecret(
  context: RotationContext,
  params: CommonParams,
  timeline: PropagationTimeline,
  fresh: Credential,
): Promise<void> {
  await forceSync(context.clients, externalSecretRef(params.externalSecret, params.namespace));
  await waitFor(
    `Secret ${params.namespace}/${params.secret} to hold the new credential`,
    () => secretContains(context, params, fresh),
    { timeoutMs: parseDuration(params.timeout), signal: context.signal },
  );
  timeline.record(
    'secret-updated',
    `Secret ${params.namespace}/${params.secret} holds user "${fresh.username}"`,
  );
}

/**
 * Waits for the first pod to log that it reloaded the files and for the
 * first response served with the new credential. A missing `pods/log` only
 * leaves `file-visible` out, with a warning.
 */
export async function awaitService(
  context: RotationContext,
  params: CommonParams,
  timeline: PropagationTimeline,
  since: Date,
  servedWith: ServedWith,
): Promise<void> {
  const timeoutMs = parseDuration(params.timeout);
  const fileVisible = waitFor(
    'a service pod to reload the mounted Secret',
    async () => {
      const reloads = await podReloads(context.clients, params.namespace, params.selector, since);
      return reloads.find((reload) => reload.reason.includes('..data'));
    },
    { timeoutMs, intervalMs: 200, signal: context.signal },
  )
    .then((reload) =>
      timeline.record(
        'file-visible',
        `pod ${reload.pod} reloaded: ${reload.reason}`,
        new Date(reload.time),
      ),
    )
    .catch((error: unknown) => {
      context.events.log(
        'warn',
        "file-visible not recorded: no reload line in the service pods' logs",
        {
          error: error instanceof Error ? error.message : String(error),
        },
      );
    });
  const served = waitFor(
    'the service to answer with the new credential',
    async () => {
      const sample = await sampleService(context.clients.endpoints.serviceUrl);
      return sample.status === 200 && servedWith(sample) ? sample : undefined;
    },
    { timeoutMs, intervalMs: 50, signal: context.signal },
  ).then((sample) =>
    timeline.record(
      'new-credential-served',
      `GET /items answered 200 as user "${sample.user}", pool ${sample.generation}`,
    ),
  );
  await Promise.all([fileVisible, served]);
}

/** Tries the old credential; records `old-credential-rejected` when PostgreSQL rejects it. */
export async function checkOldRejected(
  context: RotationContext,
  timeline: PropagationTimeline,
  old: Credential,
): Promise<boolean> {
  const result = await tryCredential(context.clients, old);
  if (result.ok) {
    context.events.log('info', `the old credential of user "${old.username}" still logs in`);
    return false;
  }
  timeline.record(
    'old-credential-rejected',
    `old credential of "${old.username}": ${result.message}`,
  );
  return true;
}
