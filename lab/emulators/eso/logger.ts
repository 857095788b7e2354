/**
 * Log lines in the JSON shape of controller-runtime's zap logger as ESO
 * prints them: `{"level":"info","ts":<unix seconds>,"logger":"...","msg":"...",...}`.
 * Values are never secret data: callers pass names, keys and error texts only.
 */

export type LogLevel = 'info' | 'error' | 'debug';

export class ControllerLogger {
  constructor(
    private readonly sink: (line: string) => void,
    private readonly now: () => number,
    private readonly name = 'controller',
  ) {}

  child(name: string): ControllerLogger {
    return new ControllerLogger(
      this.sink,
      this.now,
      this.name === 'controller' ? name : `${this.name}.${name}`,
    );
  }

  info(message: string, fields: Record<string, unknown> = {}): void {
    this.write('info', message, fields);
  }

  error(message: string, error: unknown, fields: Record<string, unknown> = {}): void {
    this.write('error', message, {
      ...fields,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  private write(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    const entry = { level, ts: this.now() / 1000, logger: this.name, msg: message, ...fields };
    try {
      this.sink(JSON.stringify(entry));
    } catch {
      // A failing log sink must not stop a reconcile.
    }
  }
}
