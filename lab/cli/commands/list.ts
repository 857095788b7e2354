import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('list')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab list is not available yet');
    });
};
