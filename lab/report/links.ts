/**
 * The link check. Every relative link in a report must name an existing file
 * inside the project, and its `#anchor` a heading of that file (GitHub slugs,
 * `core/anchors.ts`). Every bare `#anchor` must be a heading of the report.
 * A broken runbook or ADR link fails the run, because a finding that points
 * nowhere leaves the reader stuck. Absolute URLs are not fetched.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { headingAnchors } from '../core/anchors.ts';

export interface BrokenLink {
  /** The link as written in the report. */
  href: string;
  /** Problem and where to look, in one sentence. */
  reason: string;
}

export interface LinkCheckOptions {
  /** Project root: links may not leave it. */
  root: string;
  /** Folder the report is written to; relative links resolve against it. */
  baseDir: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Lists the broken links of a markdown document: empty when every link resolves. */
export async function checkReportLinks(
  markdown: string,
  options: LinkCheckOptions,
): Promise<BrokenLink[]> {
  const ownAnchors = new Set(headingAnchors(markdown));
  const anchorsByFile = new Map<string, Promise<Set<string> | undefined>>();
  const broken: BrokenLink[] = [];

  for (const href of new Set(linkTargets(markdown))) {
    if (SCHEME.test(href)) continue;
    const reason = await checkLink(href, ownAnchors, anchorsByFile, options);
    if (reason) broken.push({ href, reason });
  }
  return broken;
}

/** Lists every link target in the document in order. Images are left out because the report writes them itself. */
export function linkTargets(markdown: string): string[] {
  const md = new MarkdownIt({ html: false, linkify: false });
  const targets: string[] = [];
  for (const block of md.parse(markdown, {})) {
    for (const token of block.children ?? []) {
      if (token.type === 'link_open') targets.push(String(token.attrGet('href') ?? ''));
    }
  }
  return targets;
}

async function checkLink(
  href: string,
  ownAnchors: Set<string>,
  anchorsByFile: Map<string, Promise<Set<string> | undefined>>,
  options: LinkCheckOptions,
): Promise<string | undefined> {
  const hashIndex = href.indexOf('#');
  const filePart = hashIndex === -1 ? href : href.slice(0, hashIndex);
  const anchor = hashIndex === -1 ? undefined : safeDecode(href.slice(hashIndex + 1));

  if (filePart === '') {
    if (anchor === undefined || ownAnchors.has(anchor)) return undefined;
    return `the report has no heading with anchor #${anchor}`;
  }

  const root = path.resolve(options.root);
  const file = path.resolve(options.baseDir, safeDecode(filePart));
  const fromRoot = path.relative(root, file);
  if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
    return `${file} is outside the project root ${root}`;
  }
  if (!anchorsByFile.has(file)) anchorsByFile.set(file, readAnchors(file));
  const anchors = await anchorsByFile.get(file)!;
  if (!anchors) return `file ${fromRoot} not found under ${root}`;
  if (anchor === undefined || !file.endsWith('.md') || anchors.has(anchor)) return undefined;
  const known = [...anchors].slice(0, 12).join(', ') || 'none';
  return `${fromRoot} has no heading with anchor #${anchor} (its anchors: ${known})`;
}

async function readAnchors(file: string): Promise<Set<string> | undefined> {
  try {
    return new Set(headingAnchors(await readFile(file, 'utf8')));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
