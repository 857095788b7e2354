/**
 * `lab env`: export lines for the running basecamp, for
 * `eval "$(npx lab env)"`: KUBECONFIG, VAULT_ADDR, VAULT_CACERT,
 * VAULT_TOKEN (read from its 0600 file), PGHOST, PGPORT, PGUSER,
 * PGDATABASE and PGPASSFILE (a 0600 file, so the password stays out of the
 * environment).
 */
import { EnvironmentError } from '../../core/errors.ts';
import { supervisorState } from '../../basecamp/embedded/state.ts';
import { basecampEnvironment, exportLines } from '../../basecamp/environment.ts';
import type { RegisterCommand } from '../command.ts';
import { resolveStateDir } from './state-dir.ts';

export const register: RegisterCommand = (program, context) => {
  program
    .command('env')
    .description('print export lines for the running basecamp; use: eval "$(npx lab env)"')
    .option('--state-dir <dir>', 'state folder (default: .lab in the project, or LAB_STATE_DIR)')
    .action(async (options: { stateDir?: string }) => {
      const stateDir = resolveStateDir(context.root, options.stateDir);
      const current = await supervisorState(stateDir);
      if (current.state !== 'up') {
        throw new EnvironmentError(`no basecamp is up in ${stateDir} (state: ${current.state})`, { hint: 'run `npx lab up` first' });
      }
      context.stdout.write(`${exportLines(await basecampEnvironment(current.endpoints))}\n`);
    });
};
