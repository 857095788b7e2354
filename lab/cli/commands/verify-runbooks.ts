import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('verify-runbooks')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab verify-runbooks is not available yet');
    });
};
