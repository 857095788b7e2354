/**
 * `lab list [FILE|DIR...]`: the scenarios, one line each, or as JSON.
 * `--blocks` lists the probes, faults, actions and rotation strategies a
 * scenario may name instead.
 */
import { ExitCode } from '../../core/errors.ts';
import type { LoadedScenario } from '../../scenario/loader.ts';
import { formatProblem } from '../../scenario/problem.ts';
import type { ScenarioRegistry } from '../../scenario/registry.ts';
import {
  type CommandContext,
  JSON_OPTION_HELP,
  printJson,
  type RegisterCommand,
} from '../command.ts';
import { loadRegistry } from '../registry.ts';
import { loadFromArguments } from './validate.ts';

interface ListOptions {
  json?: boolean;
  tag?: string[];
  blocks?: boolean;
}

export const register: RegisterCommand = (program, context) => {
  program
    .command('list')
    .description('list the scenarios (name, what it breaks, time limit, basecamps, title)')
    .argument('[paths...]', 'scenario files or folders (default: scenarios/)')
    .option('--json', JSON_OPTION_HELP)
    .option('--tag <tag...>', 'only scenarios with every one of these tags')
    .option(
      '--blocks',
      'list the probes, faults, actions and rotation strategies a scenario may name',
    )
    .addHelpText(
      'after',
      '\nInvalid files are reported on stderr and make the exit code 2; the valid ones are still listed.\n',
    )
    .action(async (paths: string[] | undefined, options: ListOptions) => {
      if (options.blocks) {
        printBlocks(context, await loadRegistry(), Boolean(options.json));
        return;
      }
      const result = await loadFromArguments(context, paths);
      const tags = options.tag ?? [];
      const scenarios = result.scenarios.filter((loaded) =>
        tags.every((tag) => loaded.scenario.tags.includes(tag)),
      );

      if (options.json)
        printJson(context, { scenarios: scenarios.map(toJson), problems: result.problems });
      else printTable(context, scenarios);
      if (!options.json)
        for (const problem of result.problems) context.stderr.write(`${formatProblem(problem)}\n`);
      context.setExitCode(result.problems.length === 0 ? ExitCode.passed : ExitCode.invalidInput);
    });
};

function whatItDoes(loaded: LoadedScenario): string {
  const { fault, rotation } = loaded.scenario;
  if (fault) return fault.variant ? `${fault.type}/${fault.variant}` : fault.type;
  if (rotation) return `rotation ${rotation.strategy}`;
  return '-';
}

function toJson(loaded: LoadedScenario) {
  const { scenario } = loaded;
  return {
    name: scenario.name,
    title: scenario.title,
    file: loaded.displayPath,
    tags: scenario.tags,
    fault: scenario.fault
      ? { type: scenario.fault.type, variant: scenario.fault.variant ?? null }
      : null,
    rotation: scenario.rotation?.strategy ?? null,
    load: scenario.load ? { rate: scenario.load.rate, duration: scenario.load.duration } : null,
    timeLimit: scenario.timeLimit,
    basecamps: scenario.basecamps,
    runbook: scenario.runbook,
    seed: loaded.seed,
  };
}

function printTable(context: CommandContext, scenarios: LoadedScenario[]): void {
  if (scenarios.length === 0) {
    context.stdout.write('no scenarios\n');
    return;
  }
  const rows = scenarios.map((loaded) => [
    loaded.scenario.name,
    whatItDoes(loaded),
    loaded.scenario.timeLimit,
    loaded.scenario.basecamps.join(','),
    loaded.scenario.title,
  ]);
  writeColumns(context, [['NAME', 'FAULT OR ROTATION', 'LIMIT', 'BASECAMPS', 'TITLE'], ...rows]);
}

function printBlocks(context: CommandContext, registry: ScenarioRegistry, json: boolean): void {
  const sections = [
    { kind: 'probe', field: 'probe', specs: registry.probes },
    { kind: 'fault', field: 'type', specs: registry.faults },
    { kind: 'action', field: 'action', specs: registry.actions },
    { kind: 'rotation', field: 'strategy', specs: registry.rotations },
  ];
  const rows = sections.flatMap(({ kind, field, specs }) =>
    Object.entries(specs)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, spec]) => ({
        kind,
        field,
        name,
        description: spec.description,
        variants: 'variants' in spec ? (spec.variants as string[]) : [],
      })),
  );
  if (json) {
    printJson(context, { blocks: rows });
    return;
  }
  const table = rows.map((row) => [
    row.kind,
    `${row.field}: ${row.name}`,
    row.variants.length
      ? `${row.description} (variants: ${row.variants.join(', ')})`
      : row.description,
  ]);
  writeColumns(context, [['KIND', 'NAME', 'DESCRIPTION'], ...table]);
}

/** Writes rows as left-aligned columns separated by two spaces; the last column is not padded. */
function writeColumns(context: CommandContext, rows: string[][]): void {
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of rows) {
    const cells = row.map((cell, column) =>
      column === row.length - 1 ? cell : cell.padEnd(widths[column]!),
    );
    context.stdout.write(`${cells.join('  ')}\n`);
  }
}
