/**
 * The two generators the embedded controller supports, referenced from
 * `spec.dataFrom[].sourceRef.generatorRef`: Password (generators/v1/password
 * in external-secrets, which uses github.com/sethvargo/go-password) and
 * VaultDynamicSecret (generators/v1/vault). A generator runs again at every
 * refresh, so a Password ExternalSecret gets a new password each interval.
 */
import { randomInt } from 'node:crypto';
import type { KubeClient } from './kube-client.ts';
import type {
  GeneratorRef,
  PasswordGenerator,
  SecretData,
  VaultDynamicSecretGenerator,
} from './types.ts';
import { messageOf, type ProviderContext, VaultProviderClient } from './vault-provider.ts';

export const GENERATOR_GROUP = 'generators.external-secrets.io';
export const GENERATOR_VERSION = 'v1alpha1';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
/** go-password's default symbol set, which ESO uses when `symbolCharacters` is unset. */
export const DEFAULT_SYMBOLS = '~!@#$%^&*()_+`-={}|[]\\:"<>?,./';
const DEFAULT_LENGTH = 24;

export interface PasswordSpec {
  length: number;
  digits: number;
  symbols: number;
  symbolCharacters: string;
  noUpper: boolean;
  allowRepeat: boolean;
}

/** Applies ESO's defaults: length 24, digits and symbols each 25% of the length. */
export function passwordSpec(spec: PasswordGenerator['spec'] = {}): PasswordSpec {
  const length = spec.length ?? DEFAULT_LENGTH;
  return {
    length,
    digits: spec.digits ?? Math.floor(length * 0.25),
    symbols: spec.symbols ?? Math.floor(length * 0.25),
    symbolCharacters: spec.symbolCharacters ?? DEFAULT_SYMBOLS,
    noUpper: spec.noUpper ?? false,
    allowRepeat: spec.allowRepeat ?? false,
  };
}

/** Generates a password as go-password's Generate does; errors use its texts. */
export function generatePassword(spec: PasswordSpec): string {
  if (!Number.isInteger(spec.length) || spec.length < 0) {
    throw new Error(`invalid password length ${spec.length}: use a whole number of 0 or more`);
  }
  const letters = spec.length - spec.digits - spec.symbols;
  if (letters < 0) throw new Error('number of digits and symbols must be less than total length');
  const letterSet = spec.noUpper ? LOWER : LOWER + UPPER;
  if (!spec.allowRepeat && letters > letterSet.length) {
    throw new Error('number of letters exceeds available letters and repeats are not allowed');
  }
  if (!spec.allowRepeat && spec.digits > DIGITS.length) {
    throw new Error('number of digits exceeds available digits and repeats are not allowed');
  }
  if (!spec.allowRepeat && spec.symbols > spec.symbolCharacters.length) {
    throw new Error('number of symbols exceeds available symbols and repeats are not allowed');
  }

  const result: string[] = [];
  const place = (count: number, alphabet: string) => {
    for (let i = 0; i < count; i++) {
      let char = alphabet[randomInt(alphabet.length)]!;
      while (!spec.allowRepeat && result.includes(char))
        char = alphabet[randomInt(alphabet.length)]!;
      result.splice(randomInt(result.length + 1), 0, char);
    }
  };
  place(letters, letterSet);
  place(spec.digits, DIGITS);
  place(spec.symbols, spec.symbolCharacters);
  return result.join('');
}

/** Runs the generator named by `ref` in `namespace` and returns its keys. */
export async function runGenerator(
  context: ProviderContext,
  kube: KubeClient,
  ref: GeneratorRef,
  namespace: string,
): Promise<SecretData> {
  const apiVersion = ref.apiVersion ?? `${GENERATOR_GROUP}/${GENERATOR_VERSION}`;
  if (apiVersion !== `${GENERATOR_GROUP}/${GENERATOR_VERSION}`) {
    throw new Error(
      `unsupported generator apiVersion "${apiVersion}": the embedded controller supports ${GENERATOR_GROUP}/${GENERATOR_VERSION}`,
    );
  }
  if (ref.kind === 'Password') {
    const generator = await getGenerator<PasswordGenerator>(kube, 'passwords', namespace, ref.name);
    return { password: Buffer.from(generatePassword(passwordSpec(generator.spec)), 'utf8') };
  }
  if (ref.kind === 'VaultDynamicSecret') {
    const generator = await getGenerator<VaultDynamicSecretGenerator>(
      kube,
      'vaultdynamicsecrets',
      namespace,
      ref.name,
    );
    return runVaultDynamicSecret(context, generator, namespace);
  }
  throw new Error(
    `unsupported generator kind "${String(ref.kind)}": the embedded controller supports Password and VaultDynamicSecret`,
  );
}

async function getGenerator<T>(
  kube: KubeClient,
  plural: string,
  namespace: string,
  name: string,
): Promise<T> {
  const object = await kube.getCustom<T>({
    group: GENERATOR_GROUP,
    version: GENERATOR_VERSION,
    plural,
    namespace,
    name,
  });
  if (!object) throw new Error(`${plural}.${GENERATOR_GROUP} "${name}" not found`);
  return object;
}

/** Calls one Vault path (for example `database/creds/app-dynamic`) and returns the chosen part of the answer. */
async function runVaultDynamicSecret(
  context: ProviderContext,
  generator: VaultDynamicSecretGenerator,
  namespace: string,
): Promise<SecretData> {
  const spec = generator.spec;
  if (!spec?.provider || !spec.path) {
    throw new Error(
      `VaultDynamicSecret "${generator.metadata.name}" needs spec.provider and spec.path`,
    );
  }
  const client = await VaultProviderClient.connect(context, spec.provider, {
    kind: 'SecretStore',
    name: generator.metadata.name,
    namespace,
  });
  // NOTE: the login token is not revoked afterwards. Vault revokes the leases
  // a token created together with the token, so revoke-self would drop the
  // user just issued; ESO's generator leaves the token to expire, and its
  // leases with it.
  const method = (spec.method ?? 'GET').toUpperCase();
  const path = `/v1/${spec.path.replace(/^\/+/, '').replace(/^v1\//, '')}`;
  const body = method === 'GET' ? undefined : (spec.parameters ?? {});
  let answer: Awaited<ReturnType<typeof client.client.request>>;
  try {
    const call = method === 'GET' ? 'ReadSecretData' : 'WriteSecretData';
    answer = await client.client.request(method, path, call, body, false);
  } catch (error) {
    throw new Error(`unable to get dynamic secret: ${messageOf(error)}`, { cause: error });
  }
  const resultType = spec.resultType ?? 'Data';
  let part: unknown = answer.body?.data;
  if (resultType === 'Raw') part = answer.body;
  if (resultType === 'Auth') part = answer.body?.auth;
  const entries = Object.entries((part ?? {}) as Record<string, unknown>);
  if (entries.length === 0 && !spec.allowEmptyResponse) {
    throw new Error('unable to get dynamic secret: empty response from Vault');
  }
  const data: SecretData = {};
  for (const [key, value] of entries) {
    data[key] = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
  }
  return data;
}
