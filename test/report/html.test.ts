import { describe, expect, it } from 'vitest';
import { headingAnchors } from '../../lab/core/anchors.ts';
import { renderHtml } from '../../lab/report/html.ts';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n';

function render(markdown: string): string {
  return renderHtml(markdown, { title: 'run <1>', charts: new Map([['load-latency.svg', SVG]]) });
}

describe('renderHtml', () => {
  it('gives headings the ids GitHub would', () => {
    const markdown =
      '# Run\n\n## Scenario: ESO loses its `Vault` token\n\n### Checks\n\n### Checks\n';
    const html = render(markdown);
    const ids = [...html.matchAll(/<h\d id="([^"]+)"/g)].map((match) => match[1]);
    expect(ids).toEqual(headingAnchors(markdown));
  });

  it('inlines a chart the markdown shows as an image', () => {
    const html = render('![Latency](load-latency.svg)\n');
    expect(html).toContain(`<span class="chart">${SVG.trim()}</span>`);
    expect(html).not.toContain('<img');
  });

  it('leaves other images as images', () => {
    expect(render('![x](other.png)\n')).toContain('<img src="other.png" alt="x">');
  });

  it('escapes HTML from messages', () => {
    const html = render('A message: <script>alert(1)</script>\n');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('escapes the title', () => {
    expect(render('# x\n')).toContain('<title>run &lt;1&gt;</title>');
  });

  it('loads nothing from elsewhere', () => {
    const html = render('# x\n\n![Latency](load-latency.svg)\n');
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`,
    );
    expect(html).not.toMatch(/<(link|script)\b/);
  });

  it.each([
    ['passed', 'verdict status-passed'],
    ['failed', 'verdict status-failed'],
    ['timed out', 'verdict status-failed'],
    ['still running (partial record)', 'verdict status-running'],
  ])('marks a %s verdict', (word, classes) => {
    expect(render(`**Verdict: ${word}.** 1 scenario.\n`)).toContain(
      `<p class="${classes}"><strong>Verdict: ${word}.</strong>`,
    );
  });

  it('marks status cells', () => {
    const html = render('| result | check |\n| --- | --- |\n| failed | a |\n| passed | b |\n');
    expect(html).toContain('<td class="status-failed">failed</td>');
    expect(html).toContain('<td class="status-passed">passed</td>');
  });
});
