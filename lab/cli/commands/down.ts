import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('down')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab down is not available yet');
    });
};
