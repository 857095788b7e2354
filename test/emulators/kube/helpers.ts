/**
 * Test helpers: an API server on a free loopback port, a temporary folder
 * with an admin kubeconfig, and a runner for the real kubectl with its own
 * HOME and KUBECACHEDIR.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type KubeOptions, type KubeServer, startKube } from '../../../lab/emulators/kube/index.ts';

export const KUBECTL = '/usr/bin/kubectl';

export interface KubeFixture {
  server: KubeServer;
  dir: string;
  kubeconfig: string;
  config: k8s.KubeConfig;
  close(): Promise<void>;
}

export async function startFixture(options: KubeOptions = {}): Promise<KubeFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kube-test-'));
  const server = await startKube({ host: '127.0.0.1', port: 0, ...options });
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  await server.writeKubeconfig(kubeconfig);
  const config = new k8s.KubeConfig();
  config.loadFromFile(kubeconfig);
  return {
    server,
    dir,
    kubeconfig,
    config,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the fixture; `env` adds variables such as KUBE_EDITOR. */
export function kubectl(
  fixture: KubeFixture,
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      args,
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: fixture.dir,
          KUBECACHEDIR: path.join(fixture.dir, 'cache'),
          KUBECONFIG: fixture.kubeconfig,
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Raw HTTPS request with the admin token (or another token), for checks of status codes and bodies. */
export async function request(
  fixture: KubeFixture,
  method: string,
  urlPath: string,
  options: {
    body?: string | Buffer;
    contentType?: string;
    token?: string | null;
    accept?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; contentType: string; body: string; json: () => any }> {
  const { Agent, request: send } = await import('undici');
  const agent = new Agent({ connect: { ca: fixture.server.caCertPem } });
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null)
    headers.authorization = `Bearer ${options.token ?? fixture.server.adminToken}`;
  if (options.contentType) headers['content-type'] = options.contentType;
  if (options.accept) headers.accept = options.accept;
  const response = await send(`${fixture.server.url}${urlPath}`, {
    method: method as 'GET',
    headers,
    body: options.body,
    dispatcher: agent,
  });
  const body = await response.body.text();
  await agent.close();
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    body,
    json: () => JSON.parse(body),
  };
}

export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
