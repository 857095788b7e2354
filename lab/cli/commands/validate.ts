/**
 * `lab validate [FILE|DIR...]`: checks scenario files completely, without
 * touching a basecamp, and prints every problem of every file at once.
 * `--write-schema` also writes scenarios/schema.json for editors.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode } from '../../core/errors.ts';
import { SCHEMA_FILE, scenarioJsonSchema } from '../../scenario/json-schema.ts';
import { type LoadResult, loadScenarios } from '../../scenario/loader.ts';
import { formatProblem } from '../../scenario/problem.ts';
import {
  type CommandContext,
  JSON_OPTION_HELP,
  paint,
  printJson,
  type RegisterCommand,
} from '../command.ts';
import { loadRegistry } from '../registry.ts';

/** Default scenario paths of `lab validate` and `lab list` when no path is given. */
export const DEFAULT_SCENARIO_PATHS = ['scenarios'];

interface ValidateOptions {
  json?: boolean;
  writeSchema?: boolean;
}

export const register: RegisterCommand = (program, context) => {
  program
    .command('validate')
    .description('check scenario files: schema, named blocks, runbook and ADR links, unique names')
    .argument('[paths...]', 'scenario files or folders (folders are searched for *.yaml and *.yml)')
    .option('--json', JSON_OPTION_HELP)
    .option(
      '--write-schema',
      `also write ${SCHEMA_FILE} (JSON Schema for editors) from the schema and the registered blocks`,
    )
    .addHelpText(
      'after',
      '\nWith no path, checks scenarios/. Exits 0 when every file is valid, 2 when any problem is found.\n',
    )
    .action(async (paths: string[] | undefined, options: ValidateOptions) => {
      if (options.writeSchema) await writeSchema(context, Boolean(options.json));
      const result = await loadFromArguments(context, paths);
      if (options.json)
        printJson(context, { valid: result.problems.length === 0, ...summarize(result) });
      else printResult(context, result);
      context.setExitCode(result.problems.length === 0 ? ExitCode.passed : ExitCode.invalidInput);
    });
};

/** Loads the scenarios named on the command line (relative to the working folder), or scenarios/. */
export async function loadFromArguments(
  context: CommandContext,
  paths: string[] | undefined,
): Promise<LoadResult> {
  const given =
    paths && paths.length > 0
      ? paths.map((entry) => path.resolve(context.cwd, entry))
      : DEFAULT_SCENARIO_PATHS;
  return loadScenarios(given, { root: context.root, registry: await loadRegistry() });
}

async function writeSchema(context: CommandContext, json: boolean): Promise<void> {
  const file = path.join(context.root, SCHEMA_FILE);
  await writeFile(file, `${JSON.stringify(scenarioJsonSchema(await loadRegistry()), null, 2)}\n`);
  const stream = json ? context.stderr : context.stdout;
  stream.write(`wrote ${SCHEMA_FILE}\n`);
}

function summarize(result: LoadResult) {
  return {
    scenarios: result.scenarios.map((loaded) => ({
      name: loaded.scenario.name,
      file: loaded.displayPath,
    })),
    problems: result.problems,
  };
}

function printResult(context: CommandContext, result: LoadResult): void {
  if (result.problems.length === 0) {
    const names = result.scenarios.map((loaded) => loaded.scenario.name).join(', ');
    const count = result.scenarios.length;
    context.stdout.write(
      `${paint(context, 'green', 'ok')}  ${count} scenario${count === 1 ? '' : 's'} valid: ${names}\n`,
    );
    return;
  }
  for (const problem of result.problems) context.stderr.write(`${formatProblem(problem)}\n`);
  const files = new Set(result.problems.map((problem) => problem.file)).size;
  const count = result.problems.length;
  context.stderr.write(
    `${paint(context, 'red', 'invalid')}  ${count} problem${count === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}\n`,
  );
}
