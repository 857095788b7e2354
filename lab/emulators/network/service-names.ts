/**
 * Cluster DNS for the embedded pod network: `<svc>.<ns>.svc` and
 * `<svc>.<ns>.svc.cluster.local` resolve to the Service's ClusterIP; from a
 * pod, `<svc>` and `<svc>.<ns>` also resolve, as the pod's DNS search path
 * (`<ns>.svc.cluster.local svc.cluster.local cluster.local`) makes them do
 * in a cluster. Every other name goes to the system resolver.
 */
import { lookup as systemLookup, type LookupAddress, type LookupOneOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

export const CLUSTER_DOMAIN = 'cluster.local';

/** Maps `<svc>.<ns>.svc` to a ClusterIP. */
export type ServiceTable = ReadonlyMap<string, string>;

/** The table key of a Service. */
export function serviceKey(name: string, namespace: string): string {
  return `${name}.${namespace}.svc`;
}

/** Resolves a host name to a ClusterIP, or undefined when it is no Service name. */
export function resolveServiceName(table: ServiceTable, hostname: string, podNamespace?: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  const suffix = `.svc.${CLUSTER_DOMAIN}`;
  const candidates = [name];
  if (name.endsWith(suffix)) candidates.push(`${name.slice(0, -suffix.length)}.svc`);
  if (podNamespace !== undefined) {
    const dots = name.split('.').length - 1;
    if (dots === 0) candidates.push(serviceKey(name, podNamespace));
    if (dots === 1) candidates.push(`${name}.svc`);
  }
  for (const candidate of candidates) {
    const ip = table.get(candidate);
    if (ip !== undefined) return ip;
  }
  return undefined;
}

/** A `lookup` for net/tls/http options that resolves Service names first. */
export function createServiceLookup(table: () => ServiceTable, podNamespace?: string): LookupFunction {
  const lookup = (hostname: string, options: LookupOneOptions | { all: true }, callback: (...args: unknown[]) => void) => {
    const ip = resolveServiceName(table(), hostname, podNamespace);
    if (ip === undefined) {
      systemLookup(hostname, options as LookupOneOptions, callback as never);
      return;
    }
    if ((options as { all?: boolean }).all) {
      const addresses: LookupAddress[] = [{ address: ip, family: 4 }];
      process.nextTick(callback, null, addresses);
    } else {
      process.nextTick(callback, null, ip, 4);
    }
  };
  return lookup as unknown as LookupFunction;
}
