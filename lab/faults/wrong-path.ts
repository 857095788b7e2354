/**
 * An ExternalSecret or its store points at the wrong place in Vault:
 * - `wrong-key`: `remoteRef.key` (or `dataFrom[0].extract.key`) names a key that does not exist;
 * - `kv-version`: the store says KV v1 on a v2 mount, so reads miss the `data/` prefix;
 * - `missing-property`: `remoteRef.property` names a field the secret lacks.
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineFault, type FaultContext, type Injection } from './fault.ts';
import { externalSecretRef, forceSync, forceSyncStore, readTarget, secretStoreRef, setOrRemove } from './support.ts';

const schema = z.strictObject({
  /** The ExternalSecret changed by `wrong-key` and `missing-property`; default app-config for wrong-key, app-db for missing-property. */
  externalSecret: z.string().min(1).optional(),
  /** The SecretStore changed by `kv-version`. */
  store: z.string().min(1).default(PLATFORM.stores.kv),
  namespace: z.string().min(1).default(PLATFORM.namespaces.app),
  key: z.string().min(1).default('basecamp/confg'),
  property: z.string().min(1).default('passwd'),
});

type Params = z.infer<typeof schema>;

interface ExternalSecretSpec {
  data?: Array<{ remoteRef: { key: string; property?: string } }>;
  dataFrom?: Array<{ extract?: { key: string } }>;
}

export const wrongPath = defineFault({
  type: 'wrong-path',
  description: 'an ExternalSecret reads a wrong key, a wrong KV version or a missing property',
  variants: ['wrong-key', 'kv-version', 'missing-property'],
  schema,
  symptoms: {
    'wrong-key': ['UpdateFailed error processing spec.data[0] (key: K), err: Secret does not exist', 'ExternalSecret Ready=False SecretSyncedError'],
    'kv-version': ['UpdateFailed ... err: Secret does not exist (a v1 read of a v2 mount)'],
    'missing-property': ['UpdateFailed ... err: cannot find secret data for key: "P"'],
  },
  async inject(context, variant, params) {
    if (variant === 'kv-version') return setKvVersion(context, params);
    if (variant === 'missing-property') {
      return editRemoteRef(context, params.externalSecret ?? PLATFORM.externalSecrets.database, params, 'property', params.property);
    }
    return editRemoteRef(context, params.externalSecret ?? PLATFORM.externalSecrets.config, params, 'key', params.key);
  },
});

async function editRemoteRef(
  context: FaultContext,
  name: string,
  params: Params,
  field: 'key' | 'property',
  value: string,
): Promise<Injection> {
  const { kube } = context.clients;
  const ref = externalSecretRef(name, params.namespace);
  const object = await readTarget<KubeObject & { spec: ExternalSecretSpec }>(kube, ref);
  const { path, original } = locate(object.spec, field, name);

  await kube.patch(ref, setOrRemove(path, value, original !== undefined), 'json');
  context.onRevert(`restore ${path} of ExternalSecret ${params.namespace}/${name}`, async () => {
    const current = await kube.get<KubeObject & { spec: ExternalSecretSpec }>(ref);
    if (!current) return;
    const exists = locate(current.spec, field, name).original !== undefined;
    await kube.patch(ref, setOrRemove(path, original, exists), 'json');
    await forceSync(kube, [ref]);
  });
  await forceSync(kube, [ref]);
  return { targets: { externalSecret: `${params.namespace}/${name}`, field: path } };
}

/** The JSON Pointer of the first data entry's key or property, and its current value. */
function locate(spec: ExternalSecretSpec, field: 'key' | 'property', name: string): { path: string; original?: string } {
  if (spec.data?.length) {
    return { path: `/spec/data/0/remoteRef/${field}`, original: spec.data[0]!.remoteRef[field] };
  }
  if (field === 'key' && spec.dataFrom?.[0]?.extract) {
    return { path: '/spec/dataFrom/0/extract/key', original: spec.dataFrom[0].extract.key };
  }
  throw new Error(`ExternalSecret ${name} has no spec.data entry${field === 'key' ? ' or dataFrom extract' : ''} to change`);
}

async function setKvVersion(context: FaultContext, params: Params): Promise<Injection> {
  const { kube } = context.clients;
  const ref = secretStoreRef(params.store, params.namespace);
  const store = await readTarget(kube, ref);
  const original = (store.spec as { provider: { vault: { version?: string } } }).provider.vault.version;
  const path = '/spec/provider/vault/version';

  await kube.patch(ref, setOrRemove(path, 'v1', original !== undefined), 'json');
  context.onRevert(`restore the KV version of SecretStore ${params.namespace}/${params.store}`, async () => {
    await kube.patch(ref, setOrRemove(path, original, true), 'json');
    await forceSyncStore(kube, params.store, params.namespace);
  });
  await forceSyncStore(kube, params.store, params.namespace);
  return { targets: { secretStore: `${params.namespace}/${params.store}` } };
}
