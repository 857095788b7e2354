/**
 * Small builders for GitHub-flavoured markdown: escaped text, code spans,
 * tables and headings whose anchors match what GitHub and the HTML report
 * generate (`core/anchors.ts`).
 */
import { slugify } from '../core/anchors.ts';

/** Escapes characters that markdown would read as emphasis, links or HTML; `tableCell` handles `|`. */
export function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>]/g, (character) => `\\${character}`).replace(/\r?\n/g, ' ');
}

/** Wraps text in a code span, with a backtick fence longer than any run of backticks inside. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longestRun = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longestRun + 1);
  const padded = flat.startsWith('`') || flat.endsWith('`') ? ` ${flat} ` : flat;
  return `${fence}${padded}${fence}`;
}

/** Makes a code span safe inside a table cell, where GFM reads `|` as a column break even in code. */
export function tableCell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

/** Renders a GFM table; cells are markdown already. */
export function table(header: string[], rows: string[][]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(tableCell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/**
 * Renders a blockquote of one message, verbatim: a code span for one line,
 * a fenced block (fence longer than any backtick run inside) for several.
 */
export function quote(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  if (lines.length === 1) return `> ${codeSpan(text)}`;
  const longestRun = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longestRun + 1);
  return [
    `> ${fence}text`,
    ...lines.map((line) => (line === '' ? '>' : `> ${line}`)),
    `> ${fence}`,
  ].join('\n');
}

/**
 * Hands out heading anchors in document order, numbering repeats as GitHub
 * does (`fix`, `fix-1`), so links can be written before the heading is.
 */
export class Slugger {
  readonly #seen = new Map<string, number>();

  slug(headingText: string): string {
    const base = slugify(headingText);
    const count = this.#seen.get(base) ?? 0;
    this.#seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
  }
}
