/**
 * Shared pieces of the Vault tests: a manual clock, an embedded Vault per
 * test, and a raw HTTP client that returns status, headers and parsed JSON.
 */
import { Agent, request } from 'undici';
import {
  createCertificateAuthority,
  issueServerCertificate,
} from '../../../lab/emulators/shared/pki.ts';
import {
  type StartVaultOptions,
  startVault,
  type VaultServer,
} from '../../../lab/emulators/vault/index.ts';

export class ManualClock {
  time: number;

  constructor(start = Date.now()) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON fields
  body: any;
}

export interface VaultClient {
  url: string;
  token: string;
  caPem?: string;
  call(
    method: string,
    path: string,
    options?: {
      body?: unknown;
      token?: string | null;
      raw?: string;
      headers?: Record<string, string>;
    },
  ): Promise<HttpResult>;
}

export function createClient(url: string, token: string, caPem?: string): VaultClient {
  const dispatcher = caPem === undefined ? undefined : new Agent({ connect: { ca: caPem } });
  return {
    url,
    token,
    caPem,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      const token = options.token === undefined ? this.token : options.token;
      if (token !== null) headers['x-vault-token'] = token;
      let payload: string | undefined = options.raw;
      if (options.body !== undefined) {
        payload = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
      const response = await request(`${url}/v1/${path}`, {
        method: method as 'GET',
        headers,
        body: payload,
        dispatcher,
      });
      const text = await response.body.text();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.statusCode, headers: response.headers, text, body };
    },
  };
}

export interface DevVault {
  server: VaultServer;
  client: VaultClient;
  logs: string[];
  clock: ManualClock;
}

/** Starts a dev-mode Vault (root token `root`) on a free port with a manual clock. */
export async function startDevVault(
  options: Partial<StartVaultOptions> & { https?: boolean } = {},
): Promise<DevVault> {
  const clock = new ManualClock();
  const logs: string[] = [];
  let tls: StartVaultOptions['tls'];
  let caPem: string | undefined;
  if (options.https) {
    const ca = await createCertificateAuthority('vault test CA');
    tls = await issueServerCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    caPem = ca.certPem;
  }
  const server = await startVault({
    port: 0,
    dev: { rootTokenId: 'root' },
    clock,
    sweepIntervalMs: 0,
    tls,
    log: (line) => logs.push(line),
    ...options,
  });
  return { server, client: createClient(server.url, 'root', caPem), logs, clock };
}

export const PERMISSION_DENIED = '1 error occurred:\n\t* permission denied\n\n';
export const INVALID_TOKEN = '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n';
