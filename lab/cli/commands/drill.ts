/**
 * `lab drill exit-test`: the timed exit test (migrate a service to ESO and
 * Vault, diagnose an ESO sync failure, explain it). Planned; the options
 * below are the interface it will have.
 */
import { notAvailableYet, type RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('drill')
    .description('timed exit-test drill in three parts (not available yet: exits 3)')
    .argument('[name]', 'drill to run', 'exit-test')
    .option('--part <n>', 'run only part 1, 2 or 3')
    .option(
      '--time-limit <duration>',
      'time for the whole drill, for example 45m (default: each part has its own limit)',
    )
    .option('--basecamp <kind>', 'basecamp to run on: embedded, kind or kubeconfig', 'embedded')
    .option('--json', 'print the graded result as JSON on stdout')
    .action(() => {
      throw notAvailableYet('drill');
    });
};
