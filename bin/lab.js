#!/usr/bin/env node
// Entry point of the `lab` command: registers the TypeScript loader, then
// hands over to the CLI. The loader lets the project run from a clone with no
// build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lab/cli/main.ts');
const code = await main(process.argv);

// A finished command exits even when a library left a timer or socket open
// (a full `lab run` was seen spinning on after its summary). Output written
// so far is flushed first.
for (const stream of [process.stdout, process.stderr]) {
  if (stream.writableNeedDrain) await new Promise((resolve) => stream.once('drain', resolve));
}
process.exit(code);
