import { EnvironmentError } from '../../core/errors.ts';
import type { RegisterCommand } from '../command.ts';

export const register: RegisterCommand = (program) => {
  program
    .command('run')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab run is not available yet');
    });
};
