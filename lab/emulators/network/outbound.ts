/**
 * How an in-process component (the ESO controller, Vault's database engine
 * and TokenReview client) opens connections as if from its pod: service names
 * resolve through `lookup`, and sockets bind `localAddress` (the pod IP on
 * 127.0.0.0/8) so the pod network can tell who is connecting and apply
 * NetworkPolicies. Outside the embedded basecamp both are left unset.
 */
import type { LookupFunction } from 'node:net';

export interface OutboundNetwork {
  /** Resolves `<svc>.<ns>.svc[.cluster.local]`; falls back to the system resolver. */
  lookup?: LookupFunction;
  /** Source address for every socket, the pod IP. */
  localAddress?: string;
}
