import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('env')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab env is not available yet');
    });
};
