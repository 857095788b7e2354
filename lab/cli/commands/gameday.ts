/**
 * `lab gameday PLAN.yaml`: a planned sequence of faults under continuous
 * load, with acknowledge and mitigate marks. Planned; the options below are
 * the interface it will have.
 */
import { notAvailableYet, type RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('gameday')
    .description(
      'run a game day: planned faults under continuous load, timed to acknowledge and mitigate (not available yet: exits 3)',
    )
    .argument('<plan>', 'game day plan (YAML)')
    .option('--basecamp <kind>', 'basecamp to run on: embedded, kind or kubeconfig', 'embedded')
    .option('--rate <rps>', 'background load in requests per second (default: from the plan)')
    .option('--dry-run', 'validate the plan and print the schedule without injecting anything')
    .option('--json', 'print the timeline and the detection and mitigation times as JSON on stdout')
    .action(() => {
      throw notAvailableYet('gameday');
    });
};
