/**
 * Loads scenario files: parses the YAML, checks the schema, the named blocks
 * against the registry, the runbook and ADR links, the manifest files and
 * the uniqueness of names, and returns every problem of every file at once.
 * Nothing here touches a basecamp.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Document, LineCounter, parseAllDocuments } from 'yaml';
import { headingAnchors } from '../core/anchors.ts';
import { checkBlocks } from './blocks.ts';
import { FileContext } from './file-context.ts';
import type { Problem } from './problem.ts';
import type { ScenarioRegistry } from './registry.ts';
import { crossFieldProblems, defaultSeed, type Scenario, scenarioSchema } from './schema.ts';

/** A link to a markdown document, or to one heading in it. */
export interface ScenarioDocLink {
  /** Path from the project root, for example `runbooks/eso-sync-failing.md`. */
  path: string;
  /** Heading anchor without `#`; undefined for the whole document. */
  anchor?: string;
}

export interface LoadedScenario {
  /** Absolute path of the scenario file. */
  file: string;
  /** The path shown to people: relative to the project root when inside it. */
  displayPath: string;
  scenario: Scenario;
  /** The scenario's seed, or the default derived from its name. */
  seed: number;
  runbook: ScenarioDocLink;
  adrs: ScenarioDocLink[];
  /** Absolute paths of `setup.manifests`, in order. */
  manifests: string[];
}

export interface LoadOptions {
  /** Project root: runbook and ADR links are resolved from here. */
  root: string;
  registry: ScenarioRegistry;
}

export interface LoadResult {
  /** Scenarios of the files with no problem, sorted by name. */
  scenarios: LoadedScenario[];
  problems: Problem[];
}

/** File extensions read as scenario files when a folder is given. */
const SCENARIO_EXTENSIONS = ['.yaml', '.yml'];

/** Folders skipped when a folder is given: manifests sit beside scenarios but are not scenarios. */
const SKIPPED_FOLDERS = new Set(['manifests', 'node_modules']);

/**
 * Loads every scenario file in `paths` (files, or folders searched
 * recursively for *.yaml and *.yml outside `manifests/` folders).
 */
export async function loadScenarios(paths: string[], options: LoadOptions): Promise<LoadResult> {
  const problems: Problem[] = [];
  const files = await collectFiles(paths, options.root, problems);
  const markdown = new MarkdownCache(options.root);
  const loaded: Array<{ scenario: LoadedScenario; context: FileContext }> = [];

  for (const file of files) {
    const { scenario, context } = await loadFile(file, options, markdown);
    problems.push(...context.problems);
    if (scenario) loaded.push({ scenario, context });
  }

  const duplicates = duplicateNameProblems(loaded);
  problems.push(...duplicates.problems);
  const scenarios = loaded
    .filter(({ context }) => !duplicates.files.has(context.file))
    .map(({ scenario }) => scenario)
    .sort((a, b) => a.scenario.name.localeCompare(b.scenario.name));
  return { scenarios, problems: sortProblems(problems) };
}

/** Returns the path people see: relative to `root` when the file is inside it. */
export function displayPathOf(file: string, root: string): string {
  const relative = path.relative(root, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

async function collectFiles(paths: string[], root: string, problems: Problem[]): Promise<string[]> {
  const files = new Set<string>();
  for (const given of paths) {
    const absolute = path.resolve(root, given);
    if (!existsSync(absolute)) {
      problems.push(
        fileProblem(given, 'file-not-found', 'file or folder not found: check the path'),
      );
      continue;
    }
    if (!statSync(absolute).isDirectory()) {
      files.add(absolute);
      continue;
    }
    const found = await scenarioFilesIn(absolute);
    if (found.length === 0) {
      problems.push(
        fileProblem(given, 'no-scenario-files', 'folder holds no .yaml or .yml scenario file'),
      );
    }
    for (const file of found) files.add(file);
  }
  return [...files].sort();
}

async function scenarioFilesIn(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) files.push(...(await scenarioFilesIn(full)));
    } else if (SCENARIO_EXTENSIONS.includes(path.extname(entry.name))) {
      files.push(full);
    }
  }
  return files;
}

function fileProblem(file: string, rule: Problem['rule'], message: string): Problem {
  return { file, line: 1, column: 1, path: '', rule, message };
}

async function loadFile(
  file: string,
  options: LoadOptions,
  markdown: MarkdownCache,
): Promise<{ scenario?: LoadedScenario; context: FileContext }> {
  const displayPath = displayPathOf(file, options.root);
  const text = await readFile(file, 'utf8');
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list: Document[] = [...documents];
  const context = new FileContext(
    displayPath,
    list[0] ?? new Document(null),
    lineCounter,
    list[0]?.toJS() ?? null,
  );

  if (!syntaxIsValid(context, list, lineCounter)) return { context };
  if (context.raw === null || typeof context.raw !== 'object' || Array.isArray(context.raw)) {
    context.add(
      [],
      'not-a-mapping',
      'a scenario file must be a YAML mapping starting with apiVersion: basecamp-lab/v1',
    );
    return { context };
  }

  const parsed = scenarioSchema.safeParse(context.raw);
  if (!parsed.success) context.addIssues(parsed.error.issues, [], scenarioSchema);
  for (const rule of crossFieldProblems(context.raw as Record<string, unknown>)) {
    context.add(rule.path, 'required', rule.message);
  }
  checkBlocks(context, options.registry);
  await checkLinks(context, file, markdown);

  if (!parsed.success || context.problems.length > 0) return { context };
  return { scenario: toLoaded(file, displayPath, parsed.data), context };
}

/** Records YAML syntax errors and extra documents; returns false when the file cannot be checked further. */
function syntaxIsValid(
  context: FileContext,
  documents: Document[],
  lineCounter: LineCounter,
): boolean {
  if (documents.length === 0) {
    context.add(
      [],
      'not-a-mapping',
      'file is empty: a scenario file must be a YAML mapping starting with apiVersion: basecamp-lab/v1',
    );
    return false;
  }
  let valid = true;
  for (const document of documents) {
    for (const error of document.errors) {
      const position = lineCounter.linePos(error.pos[0]);
      context.problems.push({
        file: context.file,
        line: position.line,
        column: position.col,
        path: '',
        rule: 'yaml-syntax',
        message: `invalid YAML: ${error.message.split('\n')[0]}`,
      });
      valid = false;
    }
  }
  if (documents.length > 1) {
    const position = lineCounter.linePos(documents[1]!.range?.[0] ?? 0);
    context.problems.push({
      file: context.file,
      line: position.line,
      column: position.col,
      path: '',
      rule: 'yaml-syntax',
      message:
        'a scenario file holds one YAML document: move the second scenario into its own file',
    });
  }
  return valid;
}

async function checkLinks(
  context: FileContext,
  file: string,
  markdown: MarkdownCache,
): Promise<void> {
  const runbook = context.valueAt(['runbook']);
  if (typeof runbook === 'string' && runbook.includes('#')) {
    await checkDocLink(context, markdown, ['runbook'], runbook);
  }
  const adrs = context.valueAt(['adrs']);
  if (Array.isArray(adrs)) {
    for (const [index, adr] of adrs.entries()) {
      if (typeof adr === 'string') await checkDocLink(context, markdown, ['adrs', index], adr);
    }
  }
  const manifests = context.valueAt(['setup', 'manifests']);
  if (Array.isArray(manifests)) {
    for (const [index, manifest] of manifests.entries()) {
      if (typeof manifest !== 'string' || path.isAbsolute(manifest)) continue;
      if (!existsSync(path.resolve(path.dirname(file), manifest))) {
        context.add(
          ['setup', 'manifests', index],
          'file-not-found',
          'manifest file not found (paths are relative to the scenario file)',
          {
            received: JSON.stringify(manifest),
          },
        );
      }
    }
  }
}

async function checkDocLink(
  context: FileContext,
  markdown: MarkdownCache,
  fieldPath: Array<string | number>,
  link: string,
): Promise<void> {
  const [documentPath = '', anchor] = link.split('#', 2);
  const anchors = await markdown.anchors(documentPath);
  const received = JSON.stringify(link);
  if (!anchors) {
    context.add(
      fieldPath,
      'file-not-found',
      'markdown file not found (paths are relative to the project root)',
      { received },
    );
    return;
  }
  if (anchor !== undefined && !anchors.includes(anchor)) {
    const headings = anchors.length
      ? `; its headings: ${anchors.map((a) => `#${a}`).join(', ')}`
      : '; it has no headings';
    context.add(
      fieldPath,
      'anchor-not-found',
      `heading #${anchor} not found in ${documentPath}${headings}`,
      { received },
    );
  }
}

/** Reads each linked markdown file once per load. */
class MarkdownCache {
  readonly #root: string;
  readonly #anchors = new Map<string, Promise<string[] | undefined>>();

  constructor(root: string) {
    this.#root = root;
  }

  /** Returns the heading anchors of a markdown file, or undefined when it does not exist. */
  anchors(relativePath: string): Promise<string[] | undefined> {
    let cached = this.#anchors.get(relativePath);
    if (!cached) {
      cached = readFile(path.resolve(this.#root, relativePath), 'utf8').then(
        headingAnchors,
        () => undefined,
      );
      this.#anchors.set(relativePath, cached);
    }
    return cached;
  }
}

function toLoaded(file: string, displayPath: string, scenario: Scenario): LoadedScenario {
  const [runbookPath = '', runbookAnchor] = scenario.runbook.split('#', 2);
  const runbook: ScenarioDocLink = runbookAnchor
    ? { path: runbookPath, anchor: runbookAnchor }
    : { path: runbookPath };
  return {
    file,
    displayPath,
    scenario,
    seed: scenario.seed ?? defaultSeed(scenario.name),
    runbook,
    adrs: scenario.adrs.map((adr) => ({ path: adr })),
    manifests: scenario.setup.manifests.map((manifest) =>
      path.resolve(path.dirname(file), manifest),
    ),
  };
}

function duplicateNameProblems(loaded: Array<{ scenario: LoadedScenario; context: FileContext }>): {
  problems: Problem[];
  files: Set<string>;
} {
  const first = new Map<string, FileContext>();
  const problems: Problem[] = [];
  const files = new Set<string>();
  for (const { scenario, context } of loaded) {
    const name = scenario.scenario.name;
    const earlier = first.get(name);
    if (!earlier) {
      first.set(name, context);
      continue;
    }
    const { line } = earlier.positionOf(['name']);
    context.add(
      ['name'],
      'duplicate-name',
      `is already the name of the scenario in ${earlier.file}:${line}; names must be unique`,
      {
        received: JSON.stringify(name),
      },
    );
    problems.push(context.problems.at(-1)!);
    files.add(context.file);
  }
  return { problems, files };
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.path.localeCompare(b.path),
  );
}
