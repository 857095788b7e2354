import type { Command } from 'commander';
import { EnvironmentError } from '../../core/errors.ts';
import type { CommandContext } from '../command.ts';

export function registerServeKube(serve: Command, _context: CommandContext): void {
  serve
    .command('kube')
    .description('not available yet')
    .action(() => {
      throw new EnvironmentError('lab serve kube is not available yet');
    });
}
