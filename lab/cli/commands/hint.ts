import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('hint')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab hint is not available yet');
    });
};
