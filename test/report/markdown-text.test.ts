import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { codeSpan, escapeText, quote, Slugger, table } from '../../lab/report/markdown-text.ts';

const md = new MarkdownIt({ html: false });

describe('codeSpan', () => {
  it.each([
    ['plain', '`plain`'],
    ['uses `kubectl`', '`` uses `kubectl` ``'],
    ['`leading', '`` `leading ``'],
    ['two\nlines', '`two lines`'],
  ])('%j -> %j', (text, expected) => {
    expect(codeSpan(text)).toBe(expected);
  });

  it('renders back to the original text', () => {
    const text = 'a ``double`` and `single` tick';
    expect(md.renderInline(codeSpan(text))).toBe(`<code>${text}</code>`);
  });
});

describe('escapeText', () => {
  it('keeps emphasis, links and HTML literal', () => {
    const text = '*not bold* [not a link](x) <b>not html</b> snake_case';
    expect(md.renderInline(escapeText(text))).toBe(
      '*not bold* [not a link](x) &lt;b&gt;not html&lt;/b&gt; snake_case',
    );
  });
});

describe('table', () => {
  it('keeps a pipe inside a cell', () => {
    const html = md.render(table(['a', 'b'], [[codeSpan('x | y'), 'z']]));
    expect(html).toContain('<td><code>x | y</code></td>');
    expect(html.match(/<td>/g)).toHaveLength(2);
  });
});

describe('quote', () => {
  it('quotes one line as a code span', () => {
    expect(quote('permission denied')).toBe('> `permission denied`');
  });

  it('quotes several lines as a fenced block', () => {
    const html = md.render(quote('Code: 403. Errors:\n\n* permission denied'));
    expect(html).toContain('<blockquote>');
    expect(html).toContain(
      '<pre><code class="language-text">Code: 403. Errors:\n\n* permission denied\n</code></pre>',
    );
  });

  it('uses a fence longer than any backtick run inside', () => {
    const text = 'line one\n```\nline three';
    expect(md.render(quote(text))).toContain(`<code class="language-text">${text}\n</code>`);
  });
});

describe('Slugger', () => {
  it('numbers repeated headings', () => {
    const slugger = new Slugger();
    expect(['Checks', 'Checks', 'Load: p99 < 200ms'].map((text) => slugger.slug(text))).toEqual([
      'checks',
      'checks-1',
      'load-p99--200ms',
    ]);
  });
});
