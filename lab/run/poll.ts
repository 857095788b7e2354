/**
 * Polls a window of probes (steady state, symptoms, recovery). Every round
 * runs all probes. The window passes at the first round where all of them
 * pass, and fails when `within` runs out first.
 */
import { parseDuration } from '../core/duration.ts';
import type { Probe, ProbeCall, ProbeContext, ProbeResult } from '../probes/probe.ts';
import type { Phase } from './record.ts';
import type { ScenarioTimeline } from './timeline.ts';

export interface ProbeWindow {
  within: string;
  interval?: string;
  probes: Array<Record<string, unknown> & { probe: string }>;
}

export interface PollResult {
  passed: boolean;
  /** When every probe first passed in the same round. */
  passedAt?: Date;
  results: Array<{ probe: string; result: ProbeResult }>;
}

const DEFAULT_INTERVAL_MS = 1000;

export async function pollProbes(
  window: ProbeWindow,
  phase: Phase,
  probes: Record<string, Probe<Record<string, unknown>>>,
  context: ProbeContext,
  timeline: ScenarioTimeline,
  signal: AbortSignal,
): Promise<PollResult> {
  const calls = window.probes.map(toCall);
  const deadline = Date.now() + parseDuration(window.within);
  const intervalMs = window.interval ? parseDuration(window.interval) : DEFAULT_INTERVAL_MS;
  for (;;) {
    signal.throwIfAborted();
    const results = await Promise.all(
      calls.map(async (call, index) => {
        const result = await runProbe(probes, call, context);
        timeline.observe(phase, `${index}:${call.probe}`, call.probe, result);
        return { probe: call.probe, result };
      }),
    );
    if (results.every(({ result }) => result.ok)) return { passed: true, passedAt: new Date(), results };
    if (Date.now() >= deadline) return { passed: false, results };
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
  }
}

export function toCall(block: Record<string, unknown> & { probe: string }): ProbeCall {
  const { probe, ...params } = block;
  return { probe, params };
}

/** Runs one probe; a thrown error counts as a failed observation that names the error. */
export async function runProbe(
  probes: Record<string, Probe<Record<string, unknown>>>,
  call: ProbeCall,
  context: ProbeContext,
): Promise<ProbeResult> {
  const probe = probes[call.probe];
  if (!probe) return { ok: false, message: `unknown probe ${call.probe}` };
  try {
    return await probe.check(context, probe.schema.parse(call.params));
  } catch (error) {
    return { ok: false, message: `probe ${call.probe} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Waits `ms`, or rejects with the abort reason when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
