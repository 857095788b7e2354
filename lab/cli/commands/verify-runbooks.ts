/**
 * `lab verify-runbooks [RUNBOOK ...]`: proves the runbooks still match
 * reality by running each section tied to a scenario against a basecamp.
 */
import path from 'node:path';
import { BASECAMP_KINDS, type BasecampKind } from '../../basecamp/types.ts';
import { InvalidInputError } from '../../core/errors.ts';
import { verifyRunbooks } from '../../runbook/verify.ts';
import { type RegisterCommand, recordedCommandLine } from '../command.ts';

interface VerifyOptions {
  basecamp: string;
  allVariants?: boolean;
  lintOnly?: boolean;
  junit?: string;
  keep?: boolean;
  json?: boolean;
}

export const register: RegisterCommand = (program, context) => {
  program
    .command('verify-runbooks')
    .description('run each runbook section against a basecamp with its fault injected; exit 1 on drift')
    .argument('[runbooks...]', 'runbook files (default: every file under runbooks/)')
    .option('--basecamp <kind>', `basecamp to run on: ${BASECAMP_KINDS.join(', ')}`, 'embedded')
    .option('--all-variants', 'verify every scenario a section names, not only the first')
    .option('--lint-only', 'only check structure, annotations and links; run nothing')
    .option('--junit <file>', 'also write the JUnit XML here (always written to the run folder)')
    .option('--keep', 'leave a basecamp this command started up afterwards')
    .option('--json', 'print the run record as JSON on stdout; progress goes to stderr')
    .addHelpText(
      'after',
      '\nFor each section: inject the scenario\'s fault, wait for its symptoms, run the {lab=diagnose}\n' +
        'steps, run the {lab=fix} steps, wait for recovery, run the {lab=verify} steps. The format of\n' +
        'runbooks is in docs/runbook-format.md. Exits 0 when every section verified, 1 on drift,\n' +
        '2 on a malformed runbook, 3 when the basecamp is missing, 130 on Ctrl-C.\n',
    )
    .action(async (files: string[] | undefined, options: VerifyOptions) => {
      if (!(BASECAMP_KINDS as readonly string[]).includes(options.basecamp)) {
        throw new InvalidInputError(`invalid --basecamp "${options.basecamp}"`, {
          hint: `use one of ${BASECAMP_KINDS.join(', ')}`,
        });
      }
      const exitCode = await verifyRunbooks({
        root: context.root,
        files: (files ?? []).map((file) => path.resolve(context.cwd, file)),
        basecampKind: options.basecamp as BasecampKind,
        allVariants: Boolean(options.allVariants),
        lintOnly: Boolean(options.lintOnly),
        ...(options.junit ? { junit: options.junit } : {}),
        keep: Boolean(options.keep),
        json: Boolean(options.json),
        argv: recordedCommandLine(),
        stdout: context.stdout,
        stderr: context.stderr,
        color: context.color,
        interactive: context.interactive,
      });
      context.setExitCode(exitCode);
    });
};
