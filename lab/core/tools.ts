/**
 * Probes of the external tools installed here and their versions, for
 * `lab doctor` and run.json. Each probe runs the tool's own version command
 * with a timeout and never contacts a cluster. Only the Docker probe queries
 * the local Docker engine (`docker info`), to tell whether it is reachable.
 */
import { execFile } from 'node:child_process';

export type ToolName = 'npm' | 'kubectl' | 'kind' | 'helm' | 'docker' | 'k6' | 'vault';

export interface ToolStatus {
  name: ToolName;
  /** The version the tool printed, or null when it is not installed or failed. */
  version: string | null;
  /** Why the version is null: not found, timed out, or the tool's error. */
  problem?: string;
  /** Install instructions or download page. */
  installHint: string;
}

export interface DockerEngineStatus {
  reachable: boolean;
  /** The engine's version from `docker info`, when reachable. */
  version?: string;
  problem?: string;
}

/** How long one version command may run, in milliseconds. */
export const TOOL_TIMEOUT_MS = 5_000;

interface ToolProbe {
  command: string;
  args: string[];
  /** Extracts the version from the command's output. */
  parse(output: string): string | undefined;
  installHint: string;
}

const firstVersion = (output: string) => /v?\d+\.\d+(\.\d+)?[-+.\w]*/.exec(output)?.[0];

const PROBES: Record<ToolName, ToolProbe> = {
  npm: {
    command: 'npm',
    args: ['--version'],
    parse: firstVersion,
    installHint: 'npm comes with Node.js: https://nodejs.org/en/download',
  },
  kubectl: {
    command: 'kubectl',
    args: ['version', '--client', '-o', 'json'],
    parse: (output) =>
      (JSON.parse(output) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion,
    installHint:
      'https://kubernetes.io/docs/tasks/tools/ (Debian and Ubuntu: apt-get install kubernetes-client)',
  },
  kind: {
    command: 'kind',
    args: ['version'],
    parse: firstVersion,
    installHint: 'https://kind.sigs.k8s.io/docs/user/quick-start/#installation',
  },
  helm: {
    command: 'helm',
    args: ['version', '--short'],
    parse: firstVersion,
    installHint: 'https://helm.sh/docs/intro/install/',
  },
  docker: {
    command: 'docker',
    args: ['version', '--format', '{{.Client.Version}}'],
    parse: firstVersion,
    installHint: 'https://docs.docker.com/engine/install/',
  },
  k6: {
    command: 'k6',
    args: ['version'],
    parse: firstVersion,
    installHint: 'https://grafana.com/docs/k6/latest/set-up/install-k6/',
  },
  vault: {
    command: 'vault',
    args: ['version'],
    parse: firstVersion,
    installHint: 'https://developer.hashicorp.com/vault/install',
  },
};

export const TOOL_NAMES = Object.keys(PROBES) as ToolName[];

/** Probes every tool in parallel. */
export async function probeTools(names: readonly ToolName[] = TOOL_NAMES): Promise<ToolStatus[]> {
  return Promise.all(names.map((name) => probeTool(name)));
}

/** Runs one tool's version command and parses the version. */
export async function probeTool(name: ToolName): Promise<ToolStatus> {
  const probe = PROBES[name];
  const result = await run(probe.command, probe.args);
  if (result.problem !== undefined) {
    // `docker version` exits non-zero when the engine is down but still prints the client version.
    const version = result.output ? safeParse(probe, result.output) : undefined;
    if (version) return { name, version, installHint: probe.installHint };
    return { name, version: null, problem: result.problem, installHint: probe.installHint };
  }
  const version = safeParse(probe, result.output);
  if (!version)
    return { name, version: null, problem: 'printed no version', installHint: probe.installHint };
  return { name, version, installHint: probe.installHint };
}

/** Asks the Docker engine for its version: `docker info` fails when only the client is installed or the daemon is down. */
export async function probeDockerEngine(): Promise<DockerEngineStatus> {
  const result = await run('docker', ['info', '--format', '{{.ServerVersion}}']);
  const version = result.output.trim();
  if (result.problem !== undefined || !version) {
    return { reachable: false, problem: result.problem ?? 'docker info printed no engine version' };
  }
  return { reachable: true, version };
}

function safeParse(probe: ToolProbe, output: string): string | undefined {
  try {
    return probe.parse(output);
  } catch {
    return undefined;
  }
}

function run(command: string, args: string[]): Promise<{ output: string; problem?: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ output: stdout });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') resolve({ output: '', problem: 'not found on PATH' });
        else if (error.killed)
          resolve({ output: stdout, problem: `timed out after ${TOOL_TIMEOUT_MS}ms` });
        else resolve({ output: stdout, problem: firstLine(stderr) || error.message });
      },
    );
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** Returns each tool's version (null when missing), in the shape of run.json's `environment.tools`. */
export async function toolVersions(
  names: readonly ToolName[] = TOOL_NAMES,
): Promise<Record<string, string | null>> {
  const statuses = await probeTools(names);
  return Object.fromEntries(statuses.map((status) => [status.name, status.version]));
}
