/**
 * Parses a runbook's markdown (markdown-it tokens) into sections, parts,
 * annotated steps and links. Parsing never throws on content: malformed
 * annotations become `problems`, which the lint reports with their lines.
 */
import MarkdownIt from 'markdown-it';
import { parseDuration } from '../core/duration.ts';
import { slugify } from '../core/anchors.ts';
import {
  type Runbook,
  type RunbookSection,
  type RunbookStep,
  SECTION_PARTS,
  type SectionPart,
  STEP_KINDS,
  type StepKind,
} from './types.ts';

/** Default time limit of one step, in milliseconds. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

const ATTRIBUTE_BLOCK = /\{([^}]*)\}\s*$/;
const ATTRIBUTE = /([a-zA-Z-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
const KNOWN_ATTRIBUTES = new Set(['lab', 'expect', 'expect-not', 'retry', 'timeout', 'requires']);
const SCENARIO_COMMENT = /<!--\s*lab:\s*scenario=([a-z0-9,-]+)\s*-->/;

const markdown = new MarkdownIt({ html: true });

export function parseRunbook(text: string, file: string): Runbook {
  const tokens = markdown.parse(text, {});
  const lines = text.split(/\r?\n/);
  const runbook: Runbook = { file, title: '', sections: [], links: [], problems: [] };
  const anchorCounts = new Map<string, number>();
  let section: RunbookSection | undefined;
  let part: SectionPart | null = null;

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    const line = (token.map?.[0] ?? 0) + 1;

    if (token.type === 'heading_open') {
      const title = tokens[index + 1]?.content ?? '';
      const anchor = uniqueAnchor(anchorCounts, title);
      if (token.tag === 'h1' && !runbook.title) runbook.title = title;
      if (token.tag === 'h2') {
        const scenarios = findScenarios(lines, token.map?.[1] ?? 0);
        section = { file, title, anchor, line, scenarios, parts: {}, steps: [] };
        runbook.sections.push(section);
        part = null;
      }
      if (token.tag === 'h3' && section) {
        part = partOf(title);
        if (part) section.parts[part] = line;
      }
      continue;
    }

    if (token.type === 'fence') {
      const step = parseFence(token.info, token.content, file, line, part, runbook.problems);
      if (step && section) section.steps.push(step);
      else if (step) runbook.problems.push({ line, message: 'command block outside a `##` section' });
      continue;
    }

    if (token.type === 'inline') collectLinks(token.children ?? [], line, runbook);
  }
  return runbook;
}

function uniqueAnchor(counts: Map<string, number>, title: string): string {
  const base = slugify(title.replace(/`([^`]*)`/g, '$1'));
  const count = counts.get(base) ?? 0;
  counts.set(base, count + 1);
  return count === 0 ? base : `${base}-${count}`;
}

/** Reads the scenario comment in the lines right after a section heading. */
function findScenarios(lines: string[], from: number): string[] {
  for (let i = from; i < Math.min(lines.length, from + 4); i++) {
    const match = SCENARIO_COMMENT.exec(lines[i] ?? '');
    if (match) return match[1]!.split(',').filter(Boolean);
  }
  return [];
}

function partOf(title: string): SectionPart | null {
  const word = title.trim().toLowerCase();
  return (SECTION_PARTS as readonly string[]).includes(word) ? (word as SectionPart) : null;
}

function parseFence(
  info: string,
  content: string,
  file: string,
  line: number,
  part: SectionPart | null,
  problems: Runbook['problems'],
): RunbookStep | undefined {
  const language = info.trim().split(/\s+/)[0] ?? '';
  const block = ATTRIBUTE_BLOCK.exec(info);
  if (!block) {
    problems.push({
      line,
      message: `code block has no lab annotation: add {lab=diagnose|fix|verify|example} after "${language || '```'}"`,
    });
    return undefined;
  }

  const attributes = new Map<string, string>();
  for (const match of block[1]!.matchAll(ATTRIBUTE)) {
    // Inside quotes only \" is an escape; every other backslash belongs to the pattern (\S, \d).
    const value = match[2] !== undefined ? match[2].replaceAll('\\"', '"') : match[3]!;
    attributes.set(match[1]!, value);
  }
  for (const name of attributes.keys()) {
    if (!KNOWN_ATTRIBUTES.has(name)) {
      problems.push({ line, message: `unknown attribute "${name}": use one of ${[...KNOWN_ATTRIBUTES].join(', ')}` });
    }
  }

  const kind = attributes.get('lab');
  if (!kind || !(STEP_KINDS as readonly string[]).includes(kind)) {
    problems.push({ line, message: `lab="${kind ?? ''}" is not a step kind: use one of ${STEP_KINDS.join(', ')}` });
    return undefined;
  }

  const step: RunbookStep = {
    kind: kind as StepKind,
    language,
    command: content,
    timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
    requires: (attributes.get('requires') ?? '').split(',').filter(Boolean),
    part,
    file,
    line,
  };
  readPattern(attributes, 'expect', line, problems, (value) => (step.expect = value));
  readPattern(attributes, 'expect-not', line, problems, (value) => (step.expectNot = value));
  readDuration(attributes, 'retry', line, problems, (value) => (step.retryMs = value));
  readDuration(attributes, 'timeout', line, problems, (value) => (step.timeoutMs = value));
  return step;
}

function readPattern(
  attributes: Map<string, string>,
  name: string,
  line: number,
  problems: Runbook['problems'],
  assign: (value: string) => void,
): void {
  const value = attributes.get(name);
  if (value === undefined) return;
  try {
    new RegExp(value);
    assign(value);
  } catch (error) {
    problems.push({ line, message: `${name}="${value}" is not a valid regular expression: ${(error as Error).message}` });
  }
}

function readDuration(
  attributes: Map<string, string>,
  name: string,
  line: number,
  problems: Runbook['problems'],
  assign: (value: number) => void,
): void {
  const value = attributes.get(name);
  if (value === undefined) return;
  try {
    assign(parseDuration(value));
  } catch (error) {
    problems.push({ line, message: `${name}: ${(error as Error).message}` });
  }
}

function collectLinks(children: ReturnType<typeof markdown.parse>, line: number, runbook: Runbook): void {
  for (const child of children) {
    if (child.type !== 'link_open') continue;
    const href = child.attrGet('href');
    if (typeof href === 'string' && href) runbook.links.push({ target: href, line });
  }
}
