/**
 * Runbook and ADR lint: every runbook section has its five parts, every
 * command block is annotated, every relative link resolves to a file and a
 * heading, every scenario a section names exists, and every ADR has the
 * standard parts. Part of `npm test` and of `lab verify-runbooks`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { headingAnchors } from '../core/anchors.ts';
import { parseRunbook } from './parse.ts';
import { type Runbook, SECTION_PARTS } from './types.ts';

export interface LintProblem {
  /** Path from the project root. */
  file: string;
  line: number;
  message: string;
}

/** The parts an ADR must have, as `##` headings (Michael Nygard's template). */
export const ADR_PARTS = ['Status', 'Context', 'Decision', 'Consequences'] as const;

/** Lists the markdown files of a folder under the root, sorted, as root-relative paths. */
export async function listMarkdown(root: string, folder: string): Promise<string[]> {
  const entries = await readdir(path.join(root, folder)).catch(() => [] as string[]);
  return entries.filter((name) => name.endsWith('.md') && name !== 'README.md').sort().map((name) => `${folder}/${name}`);
}

/** Reads and parses runbooks given as root-relative paths. */
export async function loadRunbooks(root: string, files: string[]): Promise<Runbook[]> {
  return Promise.all(files.map(async (file) => parseRunbook(await readFile(path.join(root, file), 'utf8'), file)));
}

export async function lintRunbooks(root: string, runbooks: Runbook[]): Promise<LintProblem[]> {
  const problems: LintProblem[] = [];
  const scenarios = await scenarioNames(root);
  for (const runbook of runbooks) {
    const add = (line: number, message: string) => problems.push({ file: runbook.file, line, message });
    if (!runbook.title) add(1, 'runbook has no `#` title');
    for (const problem of runbook.problems) add(problem.line, problem.message);
    if (runbook.sections.length === 0) add(1, 'runbook has no `##` section');

    for (const section of runbook.sections) {
      const missing = SECTION_PARTS.filter((part) => section.parts[part] === undefined);
      if (missing.length > 0) {
        add(section.line, `section "${section.title}" lacks ${missing.map((part) => `### ${capitalize(part)}`).join(', ')}`);
      }
      for (const scenario of section.scenarios.filter((name) => !scenarios.has(name))) {
        add(section.line, `section "${section.title}" names scenario "${scenario}", which no file under scenarios/ defines`);
      }
      if (section.scenarios.length > 0 && !section.steps.some((step) => step.kind === 'fix')) {
        add(section.line, `section "${section.title}" is tied to a scenario but has no {lab=fix} step`);
      }
      for (const step of section.steps) {
        const expected = { diagnose: 'diagnosis', fix: 'fix', verify: 'verification', example: null }[step.kind];
        if (expected && step.part !== expected) {
          add(step.line, `a {lab=${step.kind}} block belongs under ### ${capitalize(expected)}, not ${step.part ? `### ${capitalize(step.part)}` : 'outside a part'}`);
        }
      }
    }
    problems.push(...(await lintLinks(root, runbook.file, runbook.links)));
  }
  return problems;
}

export async function lintAdrs(root: string, files: string[]): Promise<LintProblem[]> {
  const problems: LintProblem[] = [];
  for (const file of files) {
    const text = await readFile(path.join(root, file), 'utf8');
    const headings = [...text.matchAll(/^##\s+(.+?)\s*$/gm)].map((match) => match[1]!.trim());
    for (const part of ADR_PARTS) {
      if (!headings.includes(part)) problems.push({ file, line: 1, message: `ADR lacks a "## ${part}" section` });
    }
    if (!/^#\s+\S/m.test(text)) problems.push({ file, line: 1, message: 'ADR has no `#` title' });
    const runbook = parseRunbook(text, file);
    problems.push(...(await lintLinks(root, file, runbook.links)));
  }
  return problems;
}

/** Checks that each relative link names an existing file and, when it has one, an existing heading. */
export async function lintLinks(root: string, file: string, links: Runbook['links']): Promise<LintProblem[]> {
  const problems: LintProblem[] = [];
  for (const link of links) {
    if (/^[a-z]+:/i.test(link.target)) continue;
    const [target = '', anchor] = link.target.split('#');
    const resolved = target === '' ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), target);
    const text = await readFile(resolved, 'utf8').catch(() => undefined);
    if (text === undefined) {
      problems.push({ file, line: link.line, message: `link "${link.target}" names a file that does not exist (${path.relative(root, resolved)})` });
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !headingAnchors(text).includes(anchor)) {
      problems.push({ file, line: link.line, message: `link "${link.target}": no heading with anchor "#${anchor}" in ${path.relative(root, resolved)}` });
    }
  }
  return problems;
}

async function scenarioNames(root: string): Promise<Set<string>> {
  const names = new Set<string>();
  const files = (await readdir(path.join(root, 'scenarios')).catch(() => [] as string[])).filter((name) => /\.ya?ml$/.test(name));
  for (const name of files) {
    try {
      const document = parseYaml(await readFile(path.join(root, 'scenarios', name), 'utf8')) as { name?: unknown };
      if (typeof document?.name === 'string') names.add(document.name);
    } catch {
      // A broken scenario file is reported by `lab validate`, not here.
    }
  }
  return names;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
