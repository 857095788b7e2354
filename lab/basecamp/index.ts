/**
 * The harness's one entry point to a basecamp. `acquireBasecamp` returns a
 * running basecamp of the requested kind:
 *
 * - `embedded`: attaches to the one `lab up` started in the state folder
 *   (`<root>/.lab` by default), or starts one in this process and stops it
 *   on `stop()`;
 * - `kind`: creates a kind cluster and installs the platform (needs Docker,
 *   kind, kubectl and helm);
 * - `kubeconfig`: uses an existing cluster by context and touches only
 *   objects labelled `app.kubernetes.io/part-of=basecamp-lab`.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidInputError } from '../core/errors.ts';
import { acquireEmbedded } from './embedded/index.ts';
import { acquireKind, checkKindReady } from './kind.ts';
import { acquireKubeconfig, checkKubeconfigReady } from './kubeconfig.ts';
import { BASECAMP_KINDS, type Basecamp, type BasecampKind } from './types.ts';

export interface AcquireBasecampOptions {
  kind: BasecampKind;
  /** Project root; the embedded state folder defaults to `<root>/.lab`. */
  root: string;
  stateDir?: string;
  /** For `kubeconfig`: the kubeconfig file and context to use. */
  kubeconfig?: string;
  context?: string;
  /** Receives progress lines while a basecamp starts in this process. */
  log?: (line: string) => void;
}

export const DEFAULT_STATE_FOLDER = '.lab';

export function defaultStateDir(root: string): string {
  return resolve(root, DEFAULT_STATE_FOLDER);
}

export async function acquireBasecamp(options: AcquireBasecampOptions): Promise<Basecamp> {
  const stateDir = resolve(options.stateDir ?? process.env.LAB_STATE_DIR ?? defaultStateDir(options.root));
  switch (options.kind) {
    case 'embedded':
      return acquireEmbedded({ stateDir, ...(options.log ? { log: options.log } : {}) });
    case 'kind':
      return acquireKind({ root: options.root, stateDir, ...(options.log ? { log: options.log } : {}) });
    case 'kubeconfig':
      // Its token and password files go to a private temporary folder, never into the embedded basecamp's state folder.
      return acquireKubeconfig({ stateDir: await mkdtemp(join(tmpdir(), 'lab-kubeconfig-')), ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}), ...(options.context ? { context: options.context } : {}) });
    default:
      throw new InvalidInputError(`basecamp kind must be one of ${BASECAMP_KINDS.join(', ')}, received ${JSON.stringify(options.kind)}`);
  }
}

/**
 * Checks, before a run opens its folder, that a basecamp of this kind can
 * be acquired here; throws EnvironmentError naming what is missing. The
 * embedded basecamp needs nothing beyond this package.
 */
export async function checkBasecampReady(kind: BasecampKind): Promise<void> {
  if (kind === 'kind') await checkKindReady();
  if (kind === 'kubeconfig') await checkKubeconfigReady();
}

export type { Basecamp, BasecampEndpoints, BasecampKind } from './types.ts';
