import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodNetwork, type NetworkPod, type NetworkService } from '../../../lab/emulators/network/index.ts';

const PRELOAD = fileURLToPath(new URL('../../../lab/emulators/network/pod-preload.mjs', import.meta.url));

let stateDir: string;
let network: PodNetwork;
let echo: Server;
let echoPort: number;
let serverIp: string;
let clientIp: string;
let service: NetworkService;

function pods(): NetworkPod[] {
  return [
    { namespace: 'db', name: 'db-0', ip: serverIp, labels: { app: 'db' }, ready: true, portTargets: { 5432: { host: '127.0.0.1', port: echoPort } } },
    { namespace: 'web', name: 'web-0', ip: clientIp, labels: { app: 'web' }, ready: true },
  ];
}

/** Connects from `localAddress`, sends a line and returns what came back, or `timeout`/`closed`. */
function exchange(host: string, port: number, localAddress: string | undefined, waitMs = 400): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received || 'timeout');
    }, waitMs);
    socket.on('connect', () => socket.write('ping\n'));
    socket.on('data', (chunk) => {
      received += chunk.toString();
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lab-network-'));
  echo = createServer((socket) => socket.on('data', (chunk) => socket.write(`echo ${chunk}`)));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
  network = await PodNetwork.start({ stateDir, dropHoldMs: 5_000 });
  serverIp = network.allocator.allocatePodIp();
  clientIp = network.allocator.allocatePodIp();
  service = {
    namespace: 'db',
    name: 'postgres',
    type: 'NodePort',
    clusterIP: network.allocator.allocateClusterIp(),
    selector: { app: 'db' },
    ports: [{ port: 5432, targetPort: 5432, nodePort: 30432 }],
  };
});

afterAll(async () => {
  await network?.close();
  await new Promise((resolve) => echo?.close(resolve));
  await rm(stateDir, { recursive: true, force: true });
});

describe('PodNetwork', () => {
  it('forwards through the ClusterIP', async () => {
    await network.update({ pods: pods(), services: [service], policies: [], namespaces: {} });
    expect(await exchange(service.clusterIP, 5432, clientIp)).toBe('echo ping\n');
  });

  it('forwards through the NodePort', async () => {
    expect(await exchange(network.nodeIp, 30432, undefined)).toBe('echo ping\n');
  });

  it('writes the service table', async () => {
    const table = JSON.parse(await readFile(network.serviceTableFile, 'utf8'));
    expect(table['postgres.db.svc']).toBe(service.clusterIP);
  });

  it('drops connections a policy denies', async () => {
    const denyEgress = { metadata: { namespace: 'web', name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Egress'] } };
    await network.update({ pods: pods(), services: [service], policies: [denyEgress], namespaces: {} });
    expect(await exchange(service.clusterIP, 5432, clientIp)).toBe('timeout');
    // The host is no pod, so the egress policy of `web` does not apply to it.
    expect(await exchange(service.clusterIP, 5432, undefined)).toBe('echo ping\n');
  });

  it('drops an open connection a new policy denies', async () => {
    await network.update({ pods: pods(), services: [service], policies: [], namespaces: {} });
    const socket = connect({ host: service.clusterIP, port: 5432, localAddress: clientIp });
    const replies: string[] = [];
    socket.on('data', (chunk) => replies.push(chunk.toString()));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('one\n');
    await waitFor(() => replies.length === 1);

    const denyEgress = { metadata: { namespace: 'web', name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Egress'] } };
    await network.update({ pods: pods(), services: [service], policies: [denyEgress], namespaces: {} });
    socket.write('two\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(replies).toEqual(['echo one\n']);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('rejects when no endpoint is ready', async () => {
    const notReady = pods().map((pod) => ({ ...pod, ready: false }));
    await network.update({ pods: notReady, services: [service], policies: [], namespaces: {} });
    expect(await exchange(service.clusterIP, 5432, clientIp)).toBe('closed');
  });

  it('resolves names and binds the pod IP in pod processes', async () => {
    await network.update({ pods: pods(), services: [service], policies: [], namespaces: {} });
    const script = [
      "import net from 'node:net';",
      "const s = net.connect(5432, 'postgres.db.svc.cluster.local', () => s.write('hi'));",
      "s.on('data', (d) => { console.log(JSON.stringify({ reply: String(d), local: s.localAddress })); s.destroy(); });",
    ].join('\n');
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', PRELOAD, '--input-type=module', '-e', script],
        { env: { ...process.env, LAB_POD_IP: clientIp, LAB_POD_NAMESPACE: 'web', LAB_SERVICE_TABLE: network.serviceTableFile }, timeout: 10_000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
    });
    const result = JSON.parse(output.trim());
    expect(result.reply).toBe('echo hi');
    expect(result.local).toBe(clientIp);
  });

  it('claims a different subnet for a second lab in the same folder', async () => {
    const second = await PodNetwork.start({ stateDir });
    try {
      expect(second.subnet.octet).not.toBe(network.subnet.octet);
    } finally {
      await second.close();
    }
  });
});
