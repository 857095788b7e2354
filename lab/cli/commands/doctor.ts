import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('doctor')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab doctor is not available yet');
    });
};
