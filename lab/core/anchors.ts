/**
 * Heading anchors as GitHub renders them for markdown files, so that a link
 * such as `runbooks/eso-sync-failing.md#expired-vault-token` means the same
 * in the lab's reports, its runbook checks and on GitHub.
 * Algorithm (github-slugger): lower-case, drop punctuation except `-` and `_`,
 * spaces to `-`, and a `-N` suffix for the Nth repeat of the same slug.
 */

const PUNCTUATION = /[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu;

/** The anchor of one heading text, without de-duplication. */
export function slugify(heading: string): string {
  return heading.trim().toLowerCase().replace(PUNCTUATION, '').replace(/ /g, '-');
}

/** Lists the anchors of every ATX heading in a markdown document, de-duplicated as GitHub does. */
export function headingAnchors(markdown: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  let inFence = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const match = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const base = slugify(stripInlineMarkdown(match[1]!));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.push(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function stripInlineMarkdown(text: string): string {
  return text
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_]{1,2}([^*_]+)[*_]{1,2}/g, '$1');
}
