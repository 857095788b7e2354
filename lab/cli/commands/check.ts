/**
 * `lab check`: grades the current drill part against the basecamp's state.
 * Planned; the options below are the interface it will have.
 */
import { notAvailableYet, type RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('check')
    .description(
      'grade the current drill part against the basecamp as it is now (not available yet: exits 3)',
    )
    .option('--part <n>', 'part to grade: 1, 2 or 3 (default: the part in progress)')
    .option('--answer <file>', 'markdown file with the written answer, graded against the rubric')
    .option('--json', 'print the checks and score as JSON on stdout')
    .action(() => {
      throw notAvailableYet('check');
    });
};
