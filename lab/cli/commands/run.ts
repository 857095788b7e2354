/**
 * `lab run [SCENARIO|DIR|NAME ...]`: runs scenarios on a basecamp, grades
 * them and exits 0 only when every required check passed. An argument that
 * is an existing file or folder is loaded; any other argument keeps only the
 * scenarios whose name contains it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BASECAMP_KINDS, type BasecampKind } from '../../basecamp/types.ts';
import { EnvironmentError, InvalidInputError } from '../../core/errors.ts';
import { findK6, LOAD_ENGINE_CHOICES, type LoadEngineChoice } from '../../load/index.ts';
import { runScenarios } from '../../run/runner.ts';
import { JSON_OPTION_HELP, type RegisterCommand, recordedCommandLine } from '../command.ts';

interface RunOptions {
  basecamp: string;
  keep?: boolean;
  json?: boolean;
  loadEngine?: string;
}

export const register: RegisterCommand = (program, context) => {
  program
    .command('run')
    .description('run scenarios on a basecamp and grade them')
    .argument('[targets...]', 'scenario files, folders, or name filters (default: every scenario under scenarios/)')
    .option('--basecamp <kind>', `basecamp to run on: ${BASECAMP_KINDS.join(', ')}`, 'embedded')
    .option('--keep', 'keep a basecamp this run started running after the run, until Ctrl-C, for inspection')
    .option(
      '--load-engine <engine>',
      `load engine for every scenario with a load, in place of its load.engine: ${LOAD_ENGINE_CHOICES.join(', ')} (auto takes k6 when it is on PATH)`,
    )
    .option('--json', JSON_OPTION_HELP)
    .addHelpText(
      'after',
      '\nUses the basecamp `lab up` started when there is one, else starts an embedded one for the run.\n' +
        'Writes reports/<run-id>/run.json, events.jsonl and report.md. Exits 0 when every required check passed,\n' +
        '1 when a check failed, 2 on invalid scenarios or flags, 3 when the basecamp is missing, 130 on Ctrl-C.\n',
    )
    .action(async (targets: string[] | undefined, options: RunOptions) => {
      if (!(BASECAMP_KINDS as readonly string[]).includes(options.basecamp)) {
        throw new InvalidInputError(`invalid --basecamp "${options.basecamp}"`, {
          hint: `use one of ${BASECAMP_KINDS.join(', ')}`,
        });
      }
      const loadEngine = await checkLoadEngine(options.loadEngine);
      const paths: string[] = [];
      const filters: string[] = [];
      for (const target of targets ?? []) {
        const resolved = path.resolve(context.cwd, target);
        if (existsSync(resolved)) paths.push(resolved);
        else filters.push(target);
      }
      const result = await runScenarios({
        root: context.root,
        paths,
        filters,
        basecampKind: options.basecamp as BasecampKind,
        keep: Boolean(options.keep),
        json: Boolean(options.json),
        argv: recordedCommandLine(),
        stdout: context.stdout,
        stderr: context.stderr,
        color: context.color,
        interactive: context.interactive,
        ...(loadEngine ? { loadEngine } : {}),
      });
      context.setExitCode(result.exitCode);
    });
};

/** Validates --load-engine; `k6` needs the binary on PATH, checked before any basecamp starts. */
async function checkLoadEngine(value: string | undefined): Promise<LoadEngineChoice | undefined> {
  if (value === undefined) return undefined;
  if (!(LOAD_ENGINE_CHOICES as readonly string[]).includes(value)) {
    throw new InvalidInputError(`invalid --load-engine "${value}": must be one of ${LOAD_ENGINE_CHOICES.join(', ')}`);
  }
  if (value === 'k6' && !(await findK6())) {
    throw new EnvironmentError('--load-engine k6 was given but k6 is not on PATH', {
      hint: 'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or use --load-engine builtin',
    });
  }
  return value as LoadEngineChoice;
}
