import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('serve')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab serve is not available yet');
    });
};
