/**
 * Vault's file audit device cannot write its log, so Vault refuses every
 * audited request (500 `internal error`; its server log reads `no audit
 * backend succeeded in logging the response`). The fault puts a directory
 * where the log file was, which fails every append even for root.
 */
import { mkdir, rename, rmdir, stat } from 'node:fs/promises';
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { defineFault } from './fault.ts';
import { forceSyncStore } from './support.ts';

export const auditDeviceBlocked = defineFault({
  type: 'audit-device-blocked',
  description: 'the audit log file cannot be written, so Vault refuses requests',
  variants: [],
  schema: z.strictObject({
    device: z.string().min(1).default(PLATFORM.vault.auditDevice),
    store: z.string().min(1).default(PLATFORM.stores.kv),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
  }),
  symptoms: { '*': ['Vault requests answer 500 "internal error"', 'ESO events quote Code: 500 ... internal error'] },
  async inject(context, _variant, params) {
    const { vault, kube } = context.clients;
    const devices = await vault.call('GET', 'sys/audit');
    const listing = (devices.data ?? devices) as Record<string, { options?: { file_path?: string } }>;
    const file = listing[`${params.device}/`]?.options?.file_path;
    if (!file) throw new Error(`Vault has no file audit device at ${params.device}/; enable one with \`vault audit enable file file_path=...\``);

    // NOTE: this edits the audit file on this host's filesystem, which is
    // where the embedded basecamp's Vault writes it; on kind the file is
    // inside the Vault pod and the fault needs `kubectl exec` instead.
    const saved = `${file}.lab-blocked`;
    await rename(file, saved).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await mkdir(file);
    context.onRevert(`restore the audit log ${file}`, async () => {
      if ((await stat(file).catch(() => undefined))?.isDirectory()) await rmdir(file);
      await rename(saved, file).catch(() => {});
    });
    await forceSyncStore(kube, params.store, params.namespace);
    return { targets: { auditDevice: `${params.device}/`, file } };
  },
});
