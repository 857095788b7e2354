/**
 * The server log in Vault's own format (hashicorp/go-hclog standard output):
 * `2024-05-01T10:00:00.000Z [INFO]  core: vault is unsealed`. No secret
 * value ever reaches it: callers pass names, paths and accessors only.
 */
import type { Clock } from './types.ts';

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface ServerLog {
  info(module: string, message: string, fields?: Record<string, unknown>): void;
  warn(module: string, message: string, fields?: Record<string, unknown>): void;
  error(module: string, message: string, fields?: Record<string, unknown>): void;
}

export function createServerLog(
  clock: Clock,
  sink: ((line: string) => void) | undefined,
): ServerLog {
  const write = (
    level: LogLevel,
    module: string,
    message: string,
    fields?: Record<string, unknown>,
  ) => {
    if (sink === undefined) return;
    const time = new Date(clock.now()).toISOString();
    const pad = level.length === 4 ? ' ' : '';
    const extra = Object.entries(fields ?? {})
      .map(
        ([key, value]) =>
          ` ${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`,
      )
      .join('');
    sink(`${time} [${level}] ${pad}${module}: ${message}${extra}`);
  };
  return {
    info: (module, message, fields) => write('INFO', module, message, fields),
    warn: (module, message, fields) => write('WARN', module, message, fields),
    error: (module, message, fields) => write('ERROR', module, message, fields),
  };
}
