/**
 * The embedded basecamp for the harness: attach to the one `lab up` started
 * in the state folder, or start a supervisor in this process and stop it
 * on `stop()`.
 */
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { EnvironmentError } from '../../core/errors.ts';
import { basecampEnvironment } from '../environment.ts';
import type { Basecamp, BasecampEndpoints } from '../types.ts';
import { removeState, statePaths, stopLeftoverProcesses, supervisorState } from './state.ts';
import { startSupervisor, type SupervisorOptions } from './supervisor.ts';

export interface EmbeddedOptions extends Partial<Omit<SupervisorOptions, 'stateDir'>> {
  stateDir: string;
}

/** Attaches to a running basecamp in `stateDir`, or starts one in-process. */
export async function acquireEmbedded(options: EmbeddedOptions): Promise<Basecamp> {
  const current = await supervisorState(options.stateDir);
  if (current.state === 'up') return attached(current.endpoints);
  if (current.state === 'starting') {
    throw new EnvironmentError(`an embedded basecamp is starting in ${options.stateDir} (pid ${current.pid})`, {
      hint: 'wait for `lab up` to finish, then try again; `lab status` shows its progress',
    });
  }
  if (current.state === 'stale') await stopLeftoverProcesses(options.stateDir);
  return startInProcess(options);
}

function attached(endpoints: BasecampEndpoints): Basecamp {
  return { kind: 'embedded', endpoints, owned: false, env: () => basecampEnvironment(endpoints), stop: async () => undefined };
}

/** Starts the supervisor here; the pid file marks the folder as taken while it runs. */
export async function startInProcess(options: EmbeddedOptions): Promise<Basecamp> {
  const paths = statePaths(options.stateDir);
  await removeState(options.stateDir, false);
  await mkdir(options.stateDir, { recursive: true, mode: 0o755 });
  await claimPidFile(paths.supervisorPid);
  const log = options.log ?? (() => undefined);
  let supervisor: Awaited<ReturnType<typeof startSupervisor>>;
  try {
    supervisor = await startSupervisor({ ...options, log });
  } catch (error) {
    await rm(paths.supervisorPid, { force: true });
    throw error;
  }
  await writeFile(paths.endpoints, `${JSON.stringify(supervisor.endpoints, null, 2)}\n`);
  const endpoints = supervisor.endpoints;
  let stopped = false;
  return {
    kind: 'embedded',
    endpoints,
    env: () => basecampEnvironment(endpoints),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await supervisor.stop();
      await removeState(options.stateDir, false);
    },
  };
}

/** Creates the pid file exclusively, so two supervisors never share one folder. */
async function claimPidFile(file: string): Promise<void> {
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new EnvironmentError(`another embedded basecamp claimed ${file} at the same moment`, { hint: 'run `lab status` to see which one' });
    }
    throw error;
  }
}
