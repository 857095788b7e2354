/**
 * Serves pod logs from the files under `<stateDir>/pods/<name>/`: the
 * Kubernetes API server calls this for `pods/log` (kubectl logs), with
 * `tailLines`, `previous` and `follow`.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface PodLogRequest {
  follow: boolean;
  tailLines?: number;
  previous?: boolean;
  signal: AbortSignal;
}

/** How often a followed log is checked for new lines, in ms. */
const FOLLOW_POLL_MS = 200;

/** Returns the pod's log (or a stream of it when following), or undefined when the pod has no log yet. */
export async function readPodLog(stateDir: string, pod: string, options: PodLogRequest): Promise<Readable | string | undefined> {
  const file = join(stateDir, 'pods', pod, options.previous ? 'previous.log' : 'log');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const initial = options.tailLines === undefined ? text : tail(text, options.tailLines);
  if (!options.follow) return initial;
  return followFile(file, initial, Buffer.byteLength(text), options.signal);
}

function tail(text: string, lines: number): string {
  if (lines <= 0) return '';
  const all = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const kept = all.slice(-lines).join('\n');
  return kept === '' ? '' : `${kept}\n`;
}

function followFile(file: string, initial: string, offset: number, signal: AbortSignal): Readable {
  let position = offset;
  let timer: NodeJS.Timeout | undefined;
  const stream = new Readable({ read() {} });
  stream.push(initial);
  const poll = async () => {
    if (signal.aborted) return;
    try {
      const size = (await stat(file)).size;
      // A restarted container starts a new file: follow it from the start.
      if (size < position) position = 0;
      if (size > position) {
        const handle = await open(file, 'r');
        try {
          const buffer = Buffer.alloc(size - position);
          await handle.read(buffer, 0, buffer.length, position);
          position = size;
          stream.push(buffer);
        } finally {
          await handle.close();
        }
      }
    } catch {
      // The file is being replaced; the next poll reads it again.
    }
    timer = setTimeout(poll, FOLLOW_POLL_MS);
  };
  signal.addEventListener('abort', () => {
    if (timer) clearTimeout(timer);
    stream.push(null);
  });
  timer = setTimeout(poll, FOLLOW_POLL_MS);
  return stream;
}
