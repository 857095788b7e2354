/**
 * A platform without ESO or pods for fault tests: the Kubernetes and Vault
 * emulators (Vault in dev mode, plain HTTP), the ESO CRDs and the platform
 * manifests except the workloads, and the clients the faults use. Started
 * once per test file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadEsoCrds, loadManifests } from '../../lab/basecamp/manifests.ts';
import type { BasecampEndpoints } from '../../lab/basecamp/types.ts';
import { type LabClients, openClients } from '../../lab/clients/index.ts';
import { Redactor } from '../../lab/core/redact.ts';
import { startKube, type KubeServer } from '../../lab/emulators/kube/index.ts';
import { startVault, type VaultServer } from '../../lab/emulators/vault/index.ts';
import type { FaultContext } from '../../lab/faults/fault.ts';
import { newScenarioState } from '../../lab/probes/probe.ts';

export interface Platform {
  clients: LabClients;
  kube: KubeServer;
  vault: VaultServer;
  folder: string;
}

export function usePlatform(): { readonly current: Platform } {
  let platform: Platform | undefined;
  beforeAll(async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'lab-faults-'));
    const kube = await startKube({ port: 0 });
    const vault = await startVault({ port: 0, dev: {}, sweepIntervalMs: 200 });
    const endpoints = await writeEndpoints(folder, kube, vault);
    const clients = await openClients(endpoints);
    await applyPlatform(clients);
    await clients.vault.write('sys/policies/acl/basecamp-read', { policy: 'path "secret/data/basecamp/*" { capabilities = ["read"] }' });
    platform = { clients, kube, vault, folder };
  }, 60_000);
  afterAll(async () => {
    await platform?.clients.close();
    await platform?.vault.close();
    await platform?.kube.close();
    if (platform) await rm(platform.folder, { recursive: true, force: true });
  });
  return {
    get current() {
      if (!platform) throw new Error('the platform is not running: read it inside a test');
      return platform;
    },
  };
}

async function writeEndpoints(folder: string, kube: KubeServer, vault: VaultServer): Promise<BasecampEndpoints> {
  const kubeconfig = path.join(folder, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
  const tokenFile = path.join(folder, 'vault-token');
  await writeFile(tokenFile, vault.rootToken!, { mode: 0o600 });
  const unsealKeysFile = path.join(folder, 'unseal-keys.json');
  await writeFile(unsealKeysFile, JSON.stringify({ keys: [vault.unsealKey] }), { mode: 0o600 });
  const passwordFile = path.join(folder, 'pg-password');
  await writeFile(passwordFile, 'unused\n', { mode: 0o600 });
  return {
    kind: 'embedded',
    kubeconfig,
    vault: { addr: vault.url, tokenFile, unsealKeysFile },
    postgres: { host: '127.0.0.1', port: 1, user: 'postgres', database: 'app', passwordFile },
    serviceUrl: 'http://127.0.0.1:1',
    stateDir: folder,
  };
}

/** Applies the ESO CRDs and every platform manifest but the workloads. */
async function applyPlatform(clients: LabClients): Promise<void> {
  for (const file of await loadEsoCrds()) {
    for (const object of file.objects) await clients.kube.upsert(object);
  }
  const files = await loadManifests({ VAULT_CA_BUNDLE: Buffer.from('unused').toString('base64') });
  for (const file of files.filter((candidate) => !/app|postgres|vault-server/.test(candidate.file))) {
    for (const object of file.objects) await clients.kube.upsert(object);
  }
}

/** A fault context whose undo steps collect in `undos`, to run by hand. */
export function faultContext(clients: LabClients): FaultContext & { undos: Array<{ name: string; undo: () => Promise<void> }>; revert(): Promise<void> } {
  const undos: Array<{ name: string; undo: () => Promise<void> }> = [];
  return {
    clients,
    state: newScenarioState(),
    redactor: new Redactor(),
    signal: new AbortController().signal,
    log: () => {},
    onRevert: (name, undo) => undos.push({ name, undo }),
    undos,
    async revert() {
      for (const entry of undos.splice(0).reverse()) await entry.undo();
    },
  };
}
