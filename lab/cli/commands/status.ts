import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('status')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab status is not available yet');
    });
};
