/**
 * Log files of the mirror pods: the lines Vault, the ESO controller and
 * PostgreSQL emit go to `pods/<pod>/log`, where `kubectl logs` reads them.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export class PodLogWriter {
  readonly #folder: string;
  readonly #streams = new Map<string, WriteStream>();

  constructor(podsFolder: string) {
    this.#folder = podsFolder;
  }

  /** Returns a line sink for one pod's log. */
  sink(pod: string): (line: string) => void {
    return (line: string) => {
      let stream = this.#streams.get(pod);
      if (!stream) {
        mkdirSync(join(this.#folder, pod), { recursive: true });
        stream = createWriteStream(join(this.#folder, pod, 'log'), { flags: 'a' });
        this.#streams.set(pod, stream);
      }
      stream.write(line.endsWith('\n') ? line : `${line}\n`);
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#streams.values()].map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
    this.#streams.clear();
  }
}
