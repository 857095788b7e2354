import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('drill')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab drill is not available yet');
    });
};
