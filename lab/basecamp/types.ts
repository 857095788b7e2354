/**
 * What the harness knows of a basecamp: its public endpoints only. Faults,
 * probes and runbooks act through these, so they run unchanged on every
 * basecamp.
 */

export type BasecampKind = 'embedded' | 'kind' | 'kubeconfig';

export const BASECAMP_KINDS: readonly BasecampKind[] = ['embedded', 'kind', 'kubeconfig'];

export interface BasecampEndpoints {
  kind: BasecampKind;
  /** Path of a kubeconfig whose current context is the basecamp's admin. */
  kubeconfig: string;
  vault: {
    /** For example `https://127.0.0.1:8200`. */
    addr: string;
    /** PEM file of the CA that signed Vault's certificate, when HTTPS. */
    caCert?: string;
    /** File (mode 0600) holding the admin token. */
    tokenFile: string;
    /** File (mode 0600) holding the unseal keys as JSON `{keys: [...]}`, when the lab initialised Vault. */
    unsealKeysFile?: string;
    /** Host path of the file audit device's log, when the harness can read it (embedded basecamp). */
    auditLog?: string;
  };
  postgres: {
    host: string;
    port: number;
    user: string;
    database: string;
    /** File (mode 0600) holding the superuser password. */
    passwordFile: string;
  };
  /** The sample service as reachable from the host (a NodePort on loopback). */
  serviceUrl: string;
  /** Folder of the basecamp's state (`.lab/` for the embedded one). */
  stateDir: string;
}

/** A running basecamp the harness can use and, when it started it, stop. */
export interface Basecamp {
  readonly kind: BasecampKind;
  readonly endpoints: BasecampEndpoints;
  /** Environment variables for shells: KUBECONFIG, VAULT_ADDR, VAULT_CACERT, VAULT_TOKEN, PG*. */
  env(): Promise<Record<string, string>>;
  /** Stops what this process started; for a basecamp it only attached to, removes only the files it wrote. */
  stop(): Promise<void>;
  /** False when this process only attached to a basecamp another one runs (`lab up`, an existing cluster). */
  readonly owned?: boolean;
}
