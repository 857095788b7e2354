/**
 * Every fault a scenario may name, and `faultSpecs` for the scenario
 * registry. Faults act only through the public APIs of a basecamp, except
 * where a file marks a NOTE (the audit log file lives on the Vault host).
 */
import type { FaultSpec } from '../scenario/registry.ts';
import { auditDeviceBlocked } from './audit-device-blocked.ts';
import { credentialCompromised } from './credential-compromised.ts';
import { envVarConsumer } from './env-var-consumer.ts';
import type { Fault } from './fault.ts';
import { netpolBlocksEso } from './netpol-blocks-eso.ts';
import { rbacMissing } from './rbac-missing.ts';
import { vaultSealed } from './vault-sealed.ts';
import { vaultTokenExpired } from './vault-token-expired.ts';
import { wrongPath } from './wrong-path.ts';

export type { Fault, FaultContext, Injection } from './fault.ts';
export { symptomsOf } from './fault.ts';

const ALL = [
  vaultTokenExpired,
  rbacMissing,
  wrongPath,
  netpolBlocksEso,
  vaultSealed,
  auditDeviceBlocked,
  credentialCompromised,
  envVarConsumer,
] as unknown as Fault<Record<string, unknown>>[];

export const faults: Record<string, Fault<Record<string, unknown>>> = Object.fromEntries(ALL.map((fault) => [fault.type, fault]));

export const faultSpecs: Record<string, FaultSpec> = Object.fromEntries(
  ALL.map((fault) => [fault.type, { description: fault.description, schema: fault.schema, variants: fault.variants }]),
);
