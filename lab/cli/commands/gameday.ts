import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('gameday')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab gameday is not available yet');
    });
};
