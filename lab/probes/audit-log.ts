/**
 * Entries of Vault's file audit log for a path, optionally by one token
 * accessor. Accessors are HMAC-hashed in the log, so the probe asks Vault for
 * the hash (`sys/audit-hash/<device>`) and compares hashes.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { formatCount } from '../core/plural.ts';
import { defineProbe } from './probe.ts';

interface AuditEntry {
  time?: string;
  type?: string;
  auth?: { accessor?: string };
  request?: { path?: string; operation?: string; client_token_accessor?: string };
}

export const auditLog = defineProbe({
  name: 'audit-log',
  description: "Vault's file audit log has (or lacks) entries for a path, optionally by one token accessor",
  schema: z.strictObject({
    /** Exact request path, or a prefix when it ends in `*`. */
    path: z.string().min(1),
    accessor: z.string().min(1).optional(),
    device: z.string().min(1).default(PLATFORM.vault.auditDevice),
    expect: z.enum(['present', 'absent']).default('present'),
  }),
  async check({ clients, state }, params) {
    const devices = await clients.vault.call('GET', 'sys/audit');
    const device = (devices.data ?? devices) as Record<string, { options?: { file_path?: string } }>;
    const filePath = device[`${params.device}/`]?.options?.file_path;
    if (!filePath) return { ok: false, message: `Vault has no file audit device at ${params.device}/` };

    // NOTE: the audit file is read from this host's filesystem, which works on
    // the embedded basecamp; on kind it lives inside the Vault pod.
    let text: string;
    try {
      text = await readFile(filePath, 'utf8');
    } catch (error) {
      return { ok: false, message: `cannot read audit log ${filePath}: ${(error as Error).message}` };
    }

    const accessorHash = params.accessor
      ? String((await clients.vault.write(`sys/audit-hash/${params.device}`, { input: params.accessor })).hash ?? '')
      : undefined;
    const since = state.scenarioStartedAt.getTime();
    const matches = parseEntries(text).filter(
      (entry) =>
        entry.type === 'request' &&
        pathMatches(entry.request?.path ?? '', params.path) &&
        Date.parse(entry.time ?? '') >= since &&
        (!accessorHash || entry.auth?.accessor === accessorHash || entry.request?.client_token_accessor === accessorHash),
    );

    const by = params.accessor ? ' by the given accessor' : '';
    const found = `${formatCount(matches.length, 'audit entry', 'audit entries')} for ${params.path}${by} since the scenario started`;
    return { ok: params.expect === 'present' ? matches.length > 0 : matches.length === 0, message: found, value: matches.length };
  },
});

function parseEntries(text: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      // A line cut short by a concurrent write is skipped; the next poll reads it whole.
    }
  }
  return entries;
}

function pathMatches(path: string, pattern: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
}
