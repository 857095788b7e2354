// Loaded with `node --import` into every pod process of the embedded
// basecamp. It gives the process what a pod's network namespace gives a
// container in a cluster:
// - Service names (`<svc>.<ns>.svc[.cluster.local]`, `<svc>.<ns>`, `<svc>`)
//   resolve to ClusterIPs from the lab's service table, so `pg` or `fetch`
//   reach `postgres.basecamp.svc:5432`;
// - outgoing TCP sockets bind the pod IP, so the Service proxies can tell
//   which pod connects and apply NetworkPolicies;
// - servers that listen on all interfaces listen on the pod IP instead, so
//   two replicas can both use port 8080.
// Environment: LAB_POD_IP, LAB_POD_NAMESPACE, LAB_SERVICE_TABLE (a JSON file
// `{ "<svc>.<ns>.svc": "<clusterIP>" }`, rewritten by the supervisor).
import dns from 'node:dns';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';

const podIp = process.env.LAB_POD_IP;
const podNamespace = process.env.LAB_POD_NAMESPACE;
const tableFile = process.env.LAB_SERVICE_TABLE;
const suffix = '.svc.cluster.local';

let cachedTable = {};
let cachedMtime = -1;

function serviceTable() {
  if (!tableFile) return cachedTable;
  try {
    const mtime = statSync(tableFile).mtimeMs;
    if (mtime !== cachedMtime) {
      cachedTable = JSON.parse(readFileSync(tableFile, 'utf8'));
      cachedMtime = mtime;
    }
  } catch {
    // A table being replaced is read again on the next lookup.
  }
  return cachedTable;
}

function resolveService(hostname) {
  const name = String(hostname).toLowerCase().replace(/\.$/, '');
  const table = serviceTable();
  const candidates = [name];
  if (name.endsWith(suffix)) candidates.push(`${name.slice(0, -suffix.length)}.svc`);
  const dots = name.split('.').length - 1;
  if (podNamespace && dots === 0) candidates.push(`${name}.${podNamespace}.svc`);
  if (dots === 1) candidates.push(`${name}.svc`);
  for (const candidate of candidates) {
    if (typeof table[candidate] === 'string') return table[candidate];
  }
  return undefined;
}

const systemLookup = dns.lookup;

function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  const ip = resolveService(hostname);
  if (ip === undefined) return systemLookup(hostname, options, callback);
  const all = typeof options === 'object' && options !== null && options.all;
  if (all) process.nextTick(callback, null, [{ address: ip, family: 4 }]);
  else process.nextTick(callback, null, ip, 4);
}

dns.lookup = lookup;

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectFromPod(...args) {
  // net.connect passes one normalized array [options, callback].
  const first = args[0];
  const options = Array.isArray(first) ? first[0] : typeof first === 'object' && first !== null ? first : undefined;
  if (options && options.path === undefined) {
    if (podIp && options.localAddress === undefined && isIpv4Target(options.host)) options.localAddress = podIp;
    if (options.lookup === undefined) options.lookup = lookup;
  } else if (!options && (typeof first === 'number' || typeof first === 'string') && !isPipePath(first)) {
    const port = first;
    const host = typeof args[1] === 'string' ? args[1] : 'localhost';
    const callback = args.find((arg) => typeof arg === 'function');
    const converted = { port, host, lookup };
    if (podIp && isIpv4Target(host)) converted.localAddress = podIp;
    return originalConnect.call(this, converted, callback);
  }
  return originalConnect.apply(this, args);
};

// Only IPv4 and names bind the pod IP; an IPv6 literal cannot use an IPv4 source.
function isIpv4Target(host) {
  return host === undefined || net.isIPv6(String(host)) === false;
}

function isPipePath(value) {
  return typeof value === 'string' && !/^\d+$/.test(value);
}

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnPod(...args) {
  if (!podIp) return originalListen.apply(this, args);
  const first = args[0];
  if (typeof first === 'object' && first !== null && !Array.isArray(first) && first.path === undefined) {
    if (first.host === undefined || ['0.0.0.0', '::', ''].includes(first.host)) {
      return originalListen.call(this, { ...first, host: podIp }, ...args.slice(1));
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const host = typeof args[1] === 'string' ? args[1] : undefined;
    if (host === undefined || ['0.0.0.0', '::', ''].includes(host)) {
      const rest = host === undefined ? args.slice(1) : args.slice(2);
      return originalListen.call(this, first, podIp, ...rest);
    }
  }
  return originalListen.apply(this, args);
};
