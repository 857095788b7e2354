/**
 * `report.html`: `report.md` rendered by markdown-it into one self-contained
 * page (inline CSS, charts as inline SVG, no script, nothing fetched), with
 * heading ids that match GitHub's anchors so `#links` work in both.
 */
import MarkdownIt, { type Token } from 'markdown-it';
import { Slugger } from './markdown-text.ts';

const STATUS_CLASSES = new Map([
  ['passed', 'status-passed'],
  ['failed', 'status-failed'],
  ['errored', 'status-failed'],
  ['timed out', 'status-failed'],
  ['interrupted', 'status-failed'],
  ['skipped', 'status-skipped'],
]);

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0; background: #ffffff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h2 { font-size: 1.4em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; margin-top: 2em; }
h3 { font-size: 1.15em; margin-top: 1.6em; }
a { color: #0969da; }
code { font: 0.86em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6; padding: .1em .35em; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: #f3f4f6; padding: 8px 12px; border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre code { background: none; padding: 0; }
blockquote { margin: 0; padding: .2em 1em; border-left: 4px solid #d0d7de; color: #3d444d; }
table { border-collapse: collapse; margin: 1em 0; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
tr:nth-child(even) td { background: #fafbfc; }
td.status-passed { color: #1a7f37; font-weight: 600; }
td.status-failed { color: #cf222e; font-weight: 600; }
td.status-skipped { color: #6e7781; }
p.verdict { padding: 10px 14px; border-radius: 6px; border: 1px solid #d0d7de; background: #f6f8fa; }
p.verdict.status-passed { background: #dafbe1; border-color: #4ac26b; }
p.verdict.status-failed { background: #ffebe9; border-color: #ff8182; }
.chart { display: block; margin: 12px 0; max-width: 100%; overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 6px; }
`;

export interface HtmlOptions {
  title: string;
  /** SVG text of each chart, by the file name the markdown uses as the image source. */
  charts: ReadonlyMap<string, string>;
}

/** Renders report markdown to a standalone HTML page. */
export function renderHtml(markdown: string, options: HtmlOptions): string {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  md.core.ruler.push('heading_ids', (state) => {
    addHeadingIds(state.tokens);
    addStatusClasses(state.tokens);
  });

  const defaultImage = md.renderer.rules.image!;
  md.renderer.rules.image = (tokens, index, renderOptions, env, self) => {
    const source = decodeURI(String(tokens[index]!.attrGet('src') ?? ''));
    const svg = options.charts.get(source);
    if (svg === undefined) return defaultImage(tokens, index, renderOptions, env, self);
    return `<span class="chart">${stripXmlDeclaration(svg)}</span>`;
  };

  const body = md.render(markdown);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may load from elsewhere: the page must read the same offline and in CI artifacts.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${md.utils.escapeHtml(options.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    body.trimEnd(),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Gives each heading the id GitHub would, from its rendered text. */
function addHeadingIds(tokens: Token[]): void {
  const slugger = new Slugger();
  tokens.forEach((token, index) => {
    if (token.type !== 'heading_open') return;
    const inline = tokens[index + 1];
    const textContent = (inline?.children ?? [])
      .filter((child) => child.type === 'text' || child.type === 'code_inline')
      .map((child) => child.content)
      .join('');
    token.attrSet('id', slugger.slug(textContent));
  });
}

/** Colours status cells, and the verdict paragraph as a banner. */
function addStatusClasses(tokens: Token[]): void {
  tokens.forEach((token, index) => {
    const content = tokens[index + 1]?.content ?? '';
    if (token.type === 'td_open') {
      const statusClass = STATUS_CLASSES.get(content);
      if (statusClass) token.attrJoin('class', statusClass);
    }
    const verdict = /^\*\*Verdict: ([a-z ]+?)[.(]/.exec(content);
    if (token.type === 'paragraph_open' && verdict) {
      token.attrJoin('class', 'verdict');
      token.attrJoin('class', STATUS_CLASSES.get(verdict[1]!.trim()) ?? 'status-running');
    }
  });
}

function stripXmlDeclaration(svg: string): string {
  return svg.replace(/^<\?xml[^>]*\?>\s*/, '').trim();
}
