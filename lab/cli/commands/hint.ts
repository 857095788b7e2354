/**
 * `lab hint`: the next hint for the drill part in progress, each one costing
 * points. Planned; the options below are the interface it will have.
 */
import { notAvailableYet, type RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('hint')
    .description(
      'show the next hint for the drill part in progress; each hint costs points (not available yet: exits 3)',
    )
    .option('--part <n>', 'part to get a hint for: 1, 2 or 3 (default: the part in progress)')
    .option('--list', 'list the hints already shown and the points they cost')
    .action(() => {
      throw notAvailableYet('hint');
    });
};
