import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('validate')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab validate is not available yet');
    });
};
