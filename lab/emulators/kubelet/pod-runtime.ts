/**
 * One pod on the embedded node: its folder, its container process, probes
 * and restarts. The kubelet owns one PodRuntime per pod and reads its state
 * to write the pod status.
 *
 * Folder layout under `<stateDir>/pods/<pod name>/`:
 * - `log`, `previous.log`: the container's output (current and previous run);
 * - `pid`: the running process id, so `lab down` can stop it after a crash;
 * - `volumes/<volume>/`: Secret and ConfigMap content (AtomicWriter layout);
 * - `root/`: the container's root; each mount path is a symlink into
 *   `volumes/`, and subPath mounts are copies that never update.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: Date }
  | { kind: 'terminated'; exitCode: number; signal?: string; reason: string; startedAt: Date; finishedAt: Date };

export interface ProcessSpec {
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface PodRuntimeOptions {
  folder: string;
  podIp: string;
  container: V1Container;
  /** First restart delay in ms (the kubelet's is 10 s); doubles up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  log(message: string, fields?: Record<string, unknown>): void;
  /** Called for events the kubelet records (Started, Killing, Unhealthy, BackOff). */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export class PodRuntime {
  readonly folder: string;
  readonly podIp: string;
  readonly options: PodRuntimeOptions;
  state: ContainerState = { kind: 'waiting', reason: 'ContainerCreating' };
  lastState: ContainerState | undefined;
  restartCount = 0;
  ready = false;
  started = false;
  /** Set once the volumes are written and the process may start. */
  spec: ProcessSpec | undefined;
  #child: ChildProcess | undefined;
  #logStream: WriteStream | undefined;
  #probeTimers: NodeJS.Timeout[] = [];
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #readiness = { successes: 0, failures: 0 };
  #liveness = { failures: 0 };

  constructor(options: PodRuntimeOptions) {
    this.options = options;
    this.folder = options.folder;
    this.podIp = options.podIp;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get rootFolder(): string {
    return join(this.folder, 'root');
  }

  volumeFolder(name: string): string {
    return join(this.folder, 'volumes', name);
  }

  /** Links a mount path inside the root to a volume folder, or copies one file for a subPath mount. */
  async mount(mountPath: string, volumeName: string, subPath?: string): Promise<void> {
    const target = join(this.rootFolder, mountPath);
    await mkdir(dirname(target), { recursive: true });
    await rm(target, { recursive: true, force: true });
    if (subPath) {
      // A subPath mount binds the resolved file once, so later volume updates never reach it.
      await copyFile(join(this.volumeFolder(volumeName), subPath), target);
      return;
    }
    await mkdir(this.volumeFolder(volumeName), { recursive: true });
    await symlink(this.volumeFolder(volumeName), target);
  }

  /** Starts the container process with `spec`; later restarts reuse it. */
  async start(spec: ProcessSpec): Promise<void> {
    this.spec = spec;
    await mkdir(this.folder, { recursive: true });
    this.#launch();
  }

  #launch(): void {
    const spec = this.spec;
    if (!spec || this.#stopping) return;
    this.#logStream = createWriteStream(join(this.folder, 'log'), { flags: 'a' });
    const child = spawn(spec.executable, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const startedAt = new Date();
    child.stdout?.pipe(this.#logStream, { end: false });
    child.stderr?.pipe(this.#logStream, { end: false });
    child.once('error', (error) => this.options.log('starting the container failed', { error: error.message }));
    child.once('spawn', () => {
      this.state = { kind: 'running', startedAt };
      this.started = true;
      void writeFile(join(this.folder, 'pid'), `${child.pid}\n`);
      this.options.event('Normal', 'Started', `Started container ${this.options.container.name}`);
      this.#startProbes();
    });
    child.once('exit', (code, signal) => this.#onExit(startedAt, code, signal));
  }

  #onExit(startedAt: Date, code: number | null, signal: NodeJS.Signals | null): void {
    this.#stopProbes();
    this.ready = false;
    this.started = false;
    this.#child = undefined;
    const exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143);
    const terminated: ContainerState = {
      kind: 'terminated',
      exitCode,
      ...(signal ? { signal } : {}),
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: new Date(),
    };
    this.#logStream?.end();
    void rm(join(this.folder, 'pid'), { force: true });
    if (this.#stopping) {
      this.state = terminated;
      return;
    }
    this.lastState = terminated;
    this.options.log('container exited', { exitCode, signal, restartCount: this.restartCount });
    this.#scheduleRestart();
  }

  /** restartPolicy Always: back off 10 s, 20 s, ... up to 5 min in the kubelet (shorter here when configured). */
  #scheduleRestart(): void {
    const delay = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** Math.min(this.restartCount, 20));
    const name = this.options.container.name;
    this.state = { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${name}` };
    this.options.event('Warning', 'BackOff', `Back-off restarting failed container ${name}`);
    this.#restartTimer = setTimeout(() => {
      this.restartCount += 1;
      void rename(join(this.folder, 'log'), join(this.folder, 'previous.log')).catch(() => undefined).then(() => this.#launch());
    }, delay);
  }

  #startProbes(): void {
    const { readinessProbe, livenessProbe } = this.options.container;
    if (!readinessProbe) this.ready = true;
    else this.#schedule(readinessProbe, (ok, detail) => this.#onReadiness(readinessProbe, ok, detail));
    if (livenessProbe) this.#schedule(livenessProbe, (ok, detail) => this.#onLiveness(livenessProbe, ok, detail));
  }

  #schedule(probe: V1Probe, onResult: (ok: boolean, detail: string) => void): void {
    const period = (probe.periodSeconds ?? 10) * 1000;
    const run = async () => {
      const [ok, detail] = await runProbe(probe, this.podIp, this.options.container);
      if (this.#child) onResult(ok, detail);
      if (this.#child) this.#probeTimers.push(setTimeout(run, period));
    };
    this.#probeTimers.push(setTimeout(run, (probe.initialDelaySeconds ?? 0) * 1000));
  }

  #onReadiness(probe: V1Probe, ok: boolean, detail: string): void {
    if (ok) {
      this.#readiness.failures = 0;
      this.#readiness.successes += 1;
      if (this.#readiness.successes >= (probe.successThreshold ?? 1)) this.ready = true;
      return;
    }
    this.#readiness.successes = 0;
    this.#readiness.failures += 1;
    if (this.#readiness.failures >= (probe.failureThreshold ?? 3) && this.ready) {
      this.ready = false;
      this.options.event('Warning', 'Unhealthy', `Readiness probe failed: ${detail}`);
    }
  }

  #onLiveness(probe: V1Probe, ok: boolean, detail: string): void {
    if (ok) {
      this.#liveness.failures = 0;
      return;
    }
    this.#liveness.failures += 1;
    this.options.event('Warning', 'Unhealthy', `Liveness probe failed: ${detail}`);
    if (this.#liveness.failures >= (probe.failureThreshold ?? 3)) {
      this.#liveness.failures = 0;
      this.options.event('Normal', 'Killing', `Container ${this.options.container.name} failed liveness probe, will be restarted`);
      this.#child?.kill('SIGTERM');
    }
  }

  #stopProbes(): void {
    for (const timer of this.#probeTimers) clearTimeout(timer);
    this.#probeTimers = [];
    this.#readiness = { successes: 0, failures: 0 };
    this.#liveness = { failures: 0 };
  }

  /** Stops the container: SIGTERM, then SIGKILL after `graceMs`. Resolves once it exited. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#stopProbes();
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** Runs one httpGet or tcpSocket probe against the pod IP. exec probes are not supported. */
export async function runProbe(probe: V1Probe, podIp: string, container: V1Container): Promise<[boolean, string]> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const portOf = (port: number | string) => (typeof port === 'number' ? port : (container.ports?.find((p) => p.name === port)?.containerPort ?? Number(port)));
  if (probe.httpGet) {
    const port = portOf(probe.httpGet.port as number | string);
    const path = probe.httpGet.path ?? '/';
    return new Promise((resolve) => {
      const call = request({ host: podIp, port, path, method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'kube-probe/1.32' } }, (response) => {
        response.resume();
        const code = response.statusCode ?? 0;
        // The kubelet counts 200-399 as success (pkg/probe/http/http.go).
        resolve(code >= 200 && code < 400 ? [true, ''] : [false, `HTTP probe failed with statuscode: ${code}`]);
      });
      call.on('timeout', () => call.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
      call.on('error', (error) => resolve([false, `Get "http://${podIp}:${port}${path}": ${error.message}`]));
      call.end();
    });
  }
  if (probe.tcpSocket) {
    const port = portOf(probe.tcpSocket.port as number | string);
    return new Promise((resolve) => {
      const socket = connect({ host: podIp, port, timeout: timeoutMs });
      socket.once('connect', () => {
        socket.destroy();
        resolve([true, '']);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve([false, `dial tcp ${podIp}:${port}: i/o timeout`]);
      });
      socket.once('error', (error) => resolve([false, `dial tcp ${podIp}:${port}: ${error.message}`]));
    });
  }
  // NOTE: exec and grpc probes are not run by the embedded kubelet; they count as passing.
  return [true, ''];
}
