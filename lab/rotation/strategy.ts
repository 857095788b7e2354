/**
 * The shape every rotation strategy shares, and the parameters they have in
 * common: which ExternalSecret, Secret and Deployment carry the credential,
 * and how long propagation may take.
 */
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { isDuration } from '../core/duration.ts';
import type { PropagationTimeline, RotationContext } from './context.ts';

export interface RotationStrategy<P = Record<string, unknown>> {
  name: string;
  /** One line for `lab list` and the scenario JSON Schema. */
  description: string;
  schema: z.ZodType<P, unknown>;
  /**
   * Changes made before the rotation starts (switching the service to env
   * mode, creating a second account). Registers how to undo each change.
   */
  prepare?(context: RotationContext, params: P, onCleanup: CleanupRegistrar): Promise<void>;
  /** Rotates and records each propagation event on `timeline`, calling `timeline.start()` right before the first change. */
  rotate(context: RotationContext, params: P, timeline: PropagationTimeline): Promise<void>;
}

export type CleanupRegistrar = (description: string, undo: () => Promise<void>) => void;

export const durationText = z
  .string()
  .refine(isDuration, { message: 'must be a duration such as 500ms, 30s or 2m' });

/** Fields every strategy accepts, with the platform's object names as defaults. */
export const commonFields = {
  namespace: z.string().min(1).default(PLATFORM.namespaces.app),
  externalSecret: z.string().min(1).default(PLATFORM.externalSecrets.database),
  secret: z.string().min(1).default(PLATFORM.app.secret),
  deployment: z.string().min(1).default(PLATFORM.app.deployment),
  selector: z.string().min(1).default(PLATFORM.app.selector),
  /** Maximum wait for each propagation step. */
  timeout: durationText.default('60s'),
};

export interface CommonParams {
  namespace: string;
  externalSecret: string;
  secret: string;
  deployment: string;
  selector: string;
  timeout: string;
}

/** Defines a strategy with its parameter type inferred from the schema. */
export function defineStrategy<S extends z.ZodType>(strategy: {
  name: string;
  description: string;
  schema: S;
  prepare?(
    context: RotationContext,
    params: z.infer<S>,
    onCleanup: CleanupRegistrar,
  ): Promise<void>;
  rotate(
    context: RotationContext,
    params: z.infer<S>,
    timeline: PropagationTimeline,
  ): Promise<void>;
}): RotationStrategy<z.infer<S>> {
  return strategy as RotationStrategy<z.infer<S>>;
}
