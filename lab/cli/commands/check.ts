import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('check')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab check is not available yet');
    });
};
