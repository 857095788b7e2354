/**
 * A trivial HTTP server in its own Node process, for load benchmarks. It
 * responds to every request with 200 "ok" and does not share the load
 * generator's CPU time or event loop, so the numbers measure the generator.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const SERVER_SOURCE = `
const http = require('node:http');
const server = http.createServer((request, response) => { response.end('ok'); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export interface TrivialServer {
  url: string;
  stop(): Promise<void>;
}

export async function startTrivialServer(): Promise<TrivialServer> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER_SOURCE], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString('utf8').trim())));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
