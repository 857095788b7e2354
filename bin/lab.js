#!/usr/bin/env node
// Entry point of the `lab` command: registers the TypeScript loader, then
// hands over to the CLI. The loader lets the project run from a clone with no
// build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lab/cli/main.ts');
process.exitCode = await main(process.argv);
