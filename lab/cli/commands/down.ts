/**
 * `lab down`: stops the embedded basecamp of the state folder and every
 * process it started, then removes the state folder. After a crash the
 * supervisor's pid file is stale, so the pod processes and PostgreSQL are
 * found by their own pid files.
 */
import { removeState, stopLeftoverProcesses, stopProcess, supervisorState } from '../../basecamp/embedded/state.ts';
import type { RegisterCommand } from '../command.ts';
import { resolveStateDir } from './state-dir.ts';

export const register: RegisterCommand = (program, context) => {
  program
    .command('down')
    .description('stop the embedded basecamp and every process it started, then remove its state folder')
    .option('--state-dir <dir>', 'state folder (default: .lab in the project, or LAB_STATE_DIR)')
    .option('--keep-data', "keep PostgreSQL's and Vault's data folders for inspection (the next lab up starts from empty ones)")
    .action(async (options: { stateDir?: string; keepData?: boolean }) => {
      const stateDir = resolveStateDir(context.root, options.stateDir);
      const current = await supervisorState(stateDir);
      if (current.state === 'up' || current.state === 'starting') {
        const result = await stopProcess(current.pid, 20_000);
        context.stdout.write(`supervisor (pid ${current.pid}) ${result === 'killed' ? 'did not stop within 20 s and was killed' : 'stopped'}\n`);
      } else if (current.state === 'stale') {
        context.stdout.write(`supervisor (pid ${current.pid}) was not running: cleaning up after a crash\n`);
      }
      const leftovers = await stopLeftoverProcesses(stateDir);
      if (leftovers.length > 0) context.stdout.write(`stopped ${leftovers.length} leftover process(es): ${leftovers.join(', ')}\n`);
      await removeState(stateDir, Boolean(options.keepData));
      context.stdout.write(current.state === 'down' && leftovers.length === 0 ? `no basecamp was running in ${stateDir}\n` : `basecamp in ${stateDir} is down\n`);
    });
};
