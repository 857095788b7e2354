/**
 * `lab serve vault|kube`: one emulator alone, in the foreground. Each
 * emulator's options live in its own file beside this one.
 */
import type { RegisterCommand } from '../command.ts';
import { registerServeKube } from './serve-kube.ts';
import { registerServeVault } from './serve-vault.ts';

export const register: RegisterCommand = (program, context) => {
  const serve = program
    .command('serve')
    .description('run one emulator alone in the foreground (vault or kube); Ctrl-C stops it');
  registerServeVault(serve, context);
  registerServeKube(serve, context);
};
