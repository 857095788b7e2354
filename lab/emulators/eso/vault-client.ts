/**
 * A small Vault HTTP client that behaves like hashicorp/vault's `api`
 * package, which ESO uses. Each request has one deadline (60 s by default).
 * A 5xx response or a refused connection is retried up to 2 times, 1 to
 * 1.5 s apart (go-retryablehttp). Errors are formatted as in api/response.go.
 * Connections go through the caller's `OutboundNetwork`, so NetworkPolicies apply.
 */
import http from 'node:http';
import https from 'node:https';
import type { OutboundNetwork } from '../network/outbound.ts';
import { VaultText } from './messages.ts';

export interface VaultClientOptions {
  /** For example `https://vault.vault.svc:8200`. */
  server: string;
  /** PEM certificates trusted for the server; the system store when unset. */
  caPem?: string;
  namespace?: string;
  timeoutMs: number;
  network?: OutboundNetwork;
  /** Counts each call for the provider metrics. */
  onCall?: (call: VaultCall, ok: boolean) => void;
}

/** The `call` label of ESO's provider metrics (constants.CallHCVault* in external-secrets). */
export type VaultCall =
  | 'Login'
  | 'LookupSelf'
  | 'ReadSecretData'
  | 'WriteSecretData'
  | 'RevokeSelf';

export interface VaultResponse {
  status: number;
  body: VaultBody | undefined;
}

export interface VaultBody {
  data?: Record<string, unknown> | null;
  auth?: Record<string, unknown> | null;
  errors?: string[];
  warnings?: string[];
  [field: string]: unknown;
}

/** A Vault response with an error status. Its `message` is api/response.go's text. */
export class VaultResponseError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: string[],
  ) {
    super(message);
    this.name = 'VaultResponseError';
  }
}

/** The request deadline passed; the message is Go's `context.DeadlineExceeded` text. */
export class VaultTimeoutError extends Error {
  constructor() {
    super(VaultText.contextDeadline);
    this.name = 'VaultTimeoutError';
  }
}

const MAX_RETRIES = 2;
const RETRY_WAIT_MS = 1000;

export class VaultClient {
  token = '';
  private readonly base: URL;

  constructor(private readonly options: VaultClientOptions) {
    this.base = new URL(options.server);
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') {
      throw new Error(
        `invalid Vault server "${options.server}": the URL must start with https:// or http://, for example https://vault.vault.svc:8200`,
      );
    }
  }

  /**
   * Sends one request and returns the parsed response. A 404 returns normally
   * when `accept404` is set, because a KV read decides what it means. Other
   * statuses of 400 and above throw VaultResponseError, and a passed deadline
   * throws VaultTimeoutError.
   */
  async request(
    method: string,
    path: string,
    call: VaultCall,
    body?: unknown,
    accept404 = true,
  ): Promise<VaultResponse> {
    const url = new URL(path.replace(/^\/+/, '/'), this.base);
    const deadline = Date.now() + this.options.timeoutMs;
    try {
      const response = await this.requestWithRetries(method, url, body, deadline);
      if (response.status >= 400 && !(accept404 && response.status === 404)) {
        throw responseError(method, url, response);
      }
      this.options.onCall?.(call, true);
      return response;
    } catch (error) {
      this.options.onCall?.(call, false);
      throw error;
    }
  }

  private async requestWithRetries(
    method: string,
    url: URL,
    body: unknown,
    deadline: number,
  ): Promise<VaultResponse> {
    for (let attempt = 0; ; attempt++) {
      let retryable: boolean;
      try {
        const response = await this.send(method, url, body, deadline);
        retryable = response.status >= 500 && response.status !== 501;
        if (!retryable || attempt >= MAX_RETRIES) return response;
      } catch (error) {
        retryable = isRefused(error);
        if (!retryable || attempt >= MAX_RETRIES) throw translateNetworkError(error, method, url);
      }
      const wait = RETRY_WAIT_MS + Math.floor(Math.random() * (RETRY_WAIT_MS / 2));
      if (Date.now() + wait >= deadline) throw new VaultTimeoutError();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private send(method: string, url: URL, body: unknown, deadline: number): Promise<VaultResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    if (this.token) headers['X-Vault-Token'] = this.token;
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const transport = url.protocol === 'https:' ? https : http;
    const remaining = Math.max(1, deadline - Date.now());

    return new Promise((resolve, reject) => {
      const request = transport.request(url, {
        method,
        headers,
        ca: this.options.caPem,
        lookup: this.options.network?.lookup,
        localAddress: this.options.network?.localAddress,
        agent: false,
      });
      const timer = setTimeout(() => request.destroy(new VaultTimeoutError()), remaining);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            body: parseBody(Buffer.concat(chunks).toString('utf8')),
          });
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(payload);
    });
  }
}

function parseBody(text: string): VaultBody | undefined {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as VaultBody;
  } catch {
    return { errors: [text.trim()], raw: true };
  }
}

/** Formats an error response as hashicorp/vault api/response.go does. */
function responseError(method: string, url: URL, response: VaultResponse): VaultResponseError {
  const errors = response.body?.errors ?? [];
  const head = `Error making API request.\n\nURL: ${method} ${url.toString()}\nCode: ${response.status}. `;
  const text =
    response.body?.raw === true
      ? `${head}Raw Message:\n\n${errors[0] ?? ''}`
      : `${head}Errors:\n\n${errors.map((error) => `* ${error}`).join('\n')}`;
  return new VaultResponseError(text, response.status, errors);
}

function isRefused(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}

/** Renders socket errors the way Go's net/http prints them, for example `Get "URL": dial tcp ...`. */
function translateNetworkError(error: unknown, method: string, url: URL): Error {
  if (error instanceof VaultTimeoutError) return error;
  const goMethod = method.charAt(0) + method.slice(1).toLowerCase();
  const errno = error as NodeJS.ErrnoException;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const detail = goNetworkDetail(errno, url, `${url.hostname}:${port}`);
  return new Error(`${goMethod} "${url.toString()}": ${detail}`, { cause: error });
}

/** Node's certificate verification codes that Go reports as an unknown authority. */
const UNKNOWN_AUTHORITY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

/** Returns the text after `Get "URL": ` that Go's net/http and crypto/tls print for a socket error. */
function goNetworkDetail(errno: NodeJS.ErrnoException, url: URL, target: string): string {
  const code = errno.code ?? '';
  if (code === 'ECONNREFUSED') return `dial tcp ${target}: connect: connection refused`;
  if (code === 'ENOTFOUND') return `dial tcp: lookup ${url.hostname}: no such host`;
  if (code === 'ECONNRESET') return 'read: connection reset by peer';
  if (UNKNOWN_AUTHORITY_CODES.has(code)) {
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `tls: failed to verify certificate: x509: certificate is not valid for ${url.hostname}`;
  }
  return errno.message ?? String(errno);
}
