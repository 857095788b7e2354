// Container lifecycle of the embedded kubelet on real child processes:
// restarts with back-off (CrashLoopBackOff, restartCount) and an httpGet
// readiness probe, as pkg/kubelet/kuberuntime and pkg/probe/http do.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PodRuntime } from '../../../lab/emulators/kubelet/pod-runtime.ts';

let folder: string;
let runtime: PodRuntime | undefined;
const events: string[] = [];

function newRuntime(container: Partial<V1Container>): PodRuntime {
  runtime = new PodRuntime({
    folder,
    podIp: '127.0.0.1',
    container: { name: 'app', image: 'node:20', ...container },
    backoffMs: 100,
    maxBackoffMs: 400,
    log: () => undefined,
    event: (type, reason) => events.push(`${type} ${reason}`),
  });
  return runtime;
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error('condition not met in time');
}

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'lab-runtime-'));
  events.length = 0;
});
afterEach(async () => {
  await runtime?.stop(1_000);
  runtime = undefined;
  await rm(folder, { recursive: true, force: true });
});

describe('PodRuntime', () => {
  it('restarts a crashing container', async () => {
    const pod = newRuntime({});
    await pod.start({ executable: process.execPath, args: ['-e', 'console.log("boom"); process.exit(3)'], cwd: folder, env: {} });
    await waitFor(() => pod.restartCount >= 2);
    expect(pod.lastState?.kind).toBe('terminated');
    expect(pod.lastState?.kind === 'terminated' ? pod.lastState.exitCode : undefined).toBe(3);
    expect(events).toContain('Warning BackOff');
    expect(await readFile(join(folder, 'previous.log'), 'utf8')).toContain('boom');
  });

  it('waits in CrashLoopBackOff between runs', async () => {
    const pod = newRuntime({});
    await pod.start({ executable: process.execPath, args: ['-e', 'process.exit(1)'], cwd: folder, env: {} });
    await waitFor(() => pod.state.kind === 'waiting' && pod.state.reason === 'CrashLoopBackOff');
    expect(pod.ready).toBe(false);
  });

  it('turns ready after the probe passes', async () => {
    const server = 'require("node:http").createServer((q, s) => s.end("ok")).listen(Number(process.env.PORT), "127.0.0.1")';
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const pod = newRuntime({ ports: [{ name: 'http', containerPort: port }], readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 } });
    await pod.start({ executable: process.execPath, args: ['-e', server], cwd: folder, env: { PORT: String(port) } });
    expect(pod.ready).toBe(false);
    await waitFor(() => pod.ready);
    expect(pod.state.kind).toBe('running');
    expect(pod.restartCount).toBe(0);
  });

  it('stops the process on stop', async () => {
    const pod = newRuntime({});
    await pod.start({ executable: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], cwd: folder, env: {} });
    await waitFor(() => pod.pid !== undefined && pod.state.kind === 'running');
    const pid = pod.pid as number;
    await pod.stop(1_000);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
