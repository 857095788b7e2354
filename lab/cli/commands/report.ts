import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('report')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab report is not available yet');
    });
};
