import type { Command } from 'commander';
import { EnvironmentError } from '../../core/errors.ts';
import type { CommandContext } from '../command.ts';

export function registerServeVault(serve: Command, _context: CommandContext): void {
  serve
    .command('vault')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab serve vault is not available yet');
    });
}
