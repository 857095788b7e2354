#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs every test/bench/*.bench.ts that exports
// `benchmark` (the Benchmark shape of lab/core/bench.ts), each in its own
// Node process, and rewrites its tables in BENCHMARKS.md between
// `<!-- bench:<id> -->` and `<!-- /bench:<id> -->` with the command, the
// machine and the numbers. Tables without markers are appended at the end.
//
// Options: --dir FOLDER (default test/bench), --file FILE (default
// BENCHMARKS.md), --list (print the benchmark files and exit).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULT_PREFIX = 'BENCH_RESULT ';

if (process.argv[2] === '--child') {
  await runChild(process.argv[3]);
} else {
  process.exitCode = await runAll(process.argv.slice(2));
}

/** Runs one benchmark file in this process and prints its tables as one JSON line. */
async function runChild(file) {
  const { register } = await import('tsx/esm/api');
  register();
  const module = await import(pathToFileURL(file).href);
  const benchmark = module.benchmark;
  if (!benchmark || typeof benchmark.run !== 'function' || typeof benchmark.id !== 'string') {
    console.error(
      `${file}: exports no \`benchmark\` with an id and a run() function (see lab/core/bench.ts)`,
    );
    process.exit(2);
  }
  const tables = await benchmark.run();
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(tables)}\n`);
  // Benchmarks may leave servers or timers behind; the result is out, so end here.
  process.exit(0);
}

function parseArguments(args) {
  const options = {
    dir: path.join(ROOT, 'test/bench'),
    file: path.join(ROOT, 'BENCHMARKS.md'),
    list: false,
    names: [],
  };
  for (let index = 0; index < args.length; index++) {
    const argument = args[index];
    if (argument === '--dir') options.dir = path.resolve(args[++index] ?? '');
    else if (argument === '--file') options.file = path.resolve(args[++index] ?? '');
    else if (argument === '--list') options.list = true;
    else if (argument.startsWith('-'))
      throw new Error(`unknown option ${argument}: use --dir FOLDER, --file FILE or --list`);
    else options.names.push(argument);
  }
  return options;
}

async function runAll(args) {
  let options;
  try {
    options = parseArguments(args);
  } catch (error) {
    console.error(`error: ${error.message}`);
    return 2;
  }
  const files = benchmarkFiles(options.dir, options.names);
  if (files.length === 0) {
    console.error(
      `error: no *.bench.ts file in ${options.dir}${options.names.length ? ` matches ${options.names.join(', ')}` : ''}`,
    );
    return 2;
  }
  if (options.list) {
    for (const file of files) console.log(path.relative(process.cwd(), file));
    return 0;
  }

  const machine = describeMachine();
  const command = `npm run bench${options.names.length ? ` -- ${options.names.join(' ')}` : ''}`;
  let failed = 0;
  for (const file of files) {
    const relative = path.relative(ROOT, file);
    console.log(`RUN   ${relative}`);
    const started = Date.now();
    const result = await runInChild(file);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.error) {
      failed++;
      console.log(`FAIL  ${relative} (${seconds}s): ${result.error}`);
      continue;
    }
    const text = readFileSync(options.file, 'utf8');
    const updated = result.tables.reduce(
      (document, table) => writeTable(document, table, { command, machine, script: relative }),
      text,
    );
    writeAtomic(options.file, updated);
    console.log(
      `DONE  ${relative} (${seconds}s): ${result.tables.map((table) => table.id).join(', ')}`,
    );
  }
  return failed === 0 ? 0 : 1;
}

function benchmarkFiles(dir, names) {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.bench.ts'))
    .filter((name) => names.length === 0 || names.some((wanted) => name.includes(wanted)))
    .sort();
  return files.map((name) => path.join(dir, name));
}

function runInChild(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code, signal) => {
      const line = output.split('\n').find((candidate) => candidate.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) {
        resolve({
          error: signal ? `killed by ${signal}` : `exited with code ${code} and no result`,
        });
        return;
      }
      resolve({ tables: JSON.parse(line.slice(RESULT_PREFIX.length)) });
    });
  });
}

function describeMachine() {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  const load = os.loadavg()[0].toFixed(1);
  return `${os.availableParallelism()} cores (${model}), ${memory} GiB, Node ${process.version}, ${os.platform()}-${os.arch()}, load average ${load} at start`;
}

/** Replaces the section between the table's markers, or appends a new section. */
function writeTable(document, table, context) {
  const begin = `<!-- bench:${table.id} -->`;
  const end = `<!-- /bench:${table.id} -->`;
  const body = [
    begin,
    table.description,
    '',
    `Command: \`${context.command}\` (script \`${context.script}\`), ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${context.machine}.`,
    '',
    markdownTable(table),
    end,
  ].join('\n');
  const start = document.indexOf(begin);
  const stop = document.indexOf(end);
  if (start >= 0 && stop > start)
    return document.slice(0, start) + body + document.slice(stop + end.length);
  return `${document.trimEnd()}\n\n## ${table.title}\n\n${body}\n`;
}

function markdownTable(table) {
  const escapeCell = (cell) => String(cell).replace(/\|/g, '\\|');
  const lines = [
    `| ${table.columns.map(escapeCell).join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
  ];
  for (const row of table.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
  return lines.join('\n');
}

function writeAtomic(file, text) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
