/**
 * A secret value is visible in a process's environment, as `ps e` or
 * `/proc/<pid>/environ` shows it to anyone on the host with the same user.
 * The value comes from a Kubernetes Secret and is never printed: the probe
 * reports which processes hold it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineProbe } from './probe.ts';

export const processEnv = defineProbe({
  name: 'process-env',
  description: "a Secret's value appears (or not) in the environment of a local process, as `ps e` shows",
  schema: z.strictObject({
    secret: z.string().min(1).default(PLATFORM.app.secret),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    key: z.string().min(1).default('password'),
    expect: z.enum(['present', 'absent']).default('absent'),
  }),
  async check({ clients, redactor }, params) {
    const secret = await clients.kube.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      name: params.secret,
      namespace: params.namespace,
    });
    const encoded = secret?.data?.[params.key];
    if (encoded === undefined) return { ok: false, message: `Secret ${params.namespace}/${params.secret} has no key ${params.key}` };
    const value = Buffer.from(encoded, 'base64').toString('utf8');
    redactor.register(value);

    // NOTE: this reads /proc on this host, so it sees pods only on the
    // embedded basecamp, where they run as local processes.
    const pids = await processesWithValue(value);
    const label = `Secret ${params.namespace}/${params.secret} key ${params.key}`;
    const message = pids.length
      ? `${label} is in the environment of ${pids.length} processes (pids ${pids.slice(0, 5).join(', ')})`
      : `${label} is in no process environment`;
    return { ok: params.expect === 'present' ? pids.length > 0 : pids.length === 0, message, value: pids.length };
  },
});

/** Pids whose environment holds `value` as a whole variable value. */
export async function processesWithValue(value: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').some((variable) => variable.slice(variable.indexOf('=') + 1) === value)) {
      pids.push(Number(entry));
    }
  }
  return pids;
}
