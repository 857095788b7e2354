import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('up')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab up is not available yet');
    });
};
