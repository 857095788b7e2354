/**
 * A small HCL 1 reader for ACL policies: blocks (`path "x" { ... }`),
 * attributes (`key = value`), strings, numbers, booleans, lists and maps,
 * with `#`, `//` and `/* *\/` comments. Errors name the line and column
 * as hashicorp/hcl does (`At 3:5: ...`).
 */

export type HclValue = string | number | boolean | HclValue[] | HclObject;

export interface HclBlock {
  kind: 'block';
  key: string;
  label: string;
  body: HclObject;
  line: number;
}

export interface HclObject {
  attributes: Map<string, { value: HclValue; line: number }>;
  blocks: HclBlock[];
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t' };

interface Token {
  type: 'ident' | 'string' | 'number' | 'punct' | 'eof';
  text: string;
  line: number;
  column: number;
}

export class HclSyntaxError extends Error {
  readonly line: number;

  constructor(line: number, column: number, message: string) {
    super(`At ${line}:${column}: ${message}`);
    this.line = line;
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  let lineStart = 0;
  const column = () => index - lineStart + 1;

  while (index < source.length) {
    const char = source[index] as string;
    if (char === '\n') {
      line += 1;
      index += 1;
      lineStart = index;
      continue;
    }
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (char === '#' || source.startsWith('//', index)) {
      while (index < source.length && source[index] !== '\n') index += 1;
      continue;
    }
    if (source.startsWith('/*', index)) {
      const end = source.indexOf('*/', index + 2);
      if (end < 0) throw new HclSyntaxError(line, column(), 'comment not terminated');
      for (let i = index; i < end; i += 1) {
        if (source[i] === '\n') {
          line += 1;
          lineStart = i + 1;
        }
      }
      index = end + 2;
      continue;
    }
    if (char === '"') {
      const startColumn = column();
      let text = '';
      index += 1;
      while (index < source.length && source[index] !== '"') {
        if (source[index] === '\n')
          throw new HclSyntaxError(line, startColumn, 'literal not terminated');
        if (source[index] === '\\') {
          const next = source[index + 1];
          text += ESCAPES[next ?? ''] ?? next ?? '';
          index += 2;
          continue;
        }
        text += source[index];
        index += 1;
      }
      if (index >= source.length)
        throw new HclSyntaxError(line, startColumn, 'literal not terminated');
      index += 1;
      tokens.push({ type: 'string', text, line, column: startColumn });
      continue;
    }
    if ('{}[]=,:'.includes(char)) {
      tokens.push({ type: 'punct', text: char, line, column: column() });
      index += 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.-]*|^-?\d+(\.\d+)?/.exec(source.slice(index));
    if (word === null)
      throw new HclSyntaxError(line, column(), `illegal char ${JSON.stringify(char)}`);
    const type = /^-?\d/.test(word[0]) ? 'number' : 'ident';
    tokens.push({ type, text: word[0], line, column: column() });
    index += word[0].length;
  }
  tokens.push({ type: 'eof', text: '', line, column: column() });
  return tokens;
}

/** Parses HCL text into attributes and labelled blocks. */
export function parseHcl(source: string): HclObject {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position] as Token;
  const next = () => tokens[position++] as Token;
  const expect = (text: string): Token => {
    const token = next();
    if (token.text !== text || (token.type !== 'punct' && token.type !== 'eof')) {
      const found = token.type === 'eof' ? 'end of file' : JSON.stringify(token.text);
      throw new HclSyntaxError(token.line, token.column, `expected "${text}", found ${found}`);
    }
    return token;
  };

  const parseValue = (): HclValue => {
    const token = next();
    if (token.type === 'string') return token.text;
    if (token.type === 'number') return Number(token.text);
    if (token.type === 'ident' && (token.text === 'true' || token.text === 'false'))
      return token.text === 'true';
    if (token.text === '[') {
      const items: HclValue[] = [];
      while (peek().text !== ']') {
        items.push(parseValue());
        if (peek().text === ',') next();
        else break;
      }
      expect(']');
      return items;
    }
    if (token.text === '{') {
      const body = parseBody('}');
      expect('}');
      return body;
    }
    const found = token.type === 'eof' ? 'end of file' : JSON.stringify(token.text);
    throw new HclSyntaxError(token.line, token.column, `expected a value, found ${found}`);
  };

  const parseBody = (terminator: '}' | ''): HclObject => {
    const body: HclObject = { attributes: new Map(), blocks: [] };
    while (peek().type !== 'eof' && peek().text !== terminator) {
      const keyToken = next();
      if (keyToken.type !== 'ident' && keyToken.type !== 'string') {
        throw new HclSyntaxError(
          keyToken.line,
          keyToken.column,
          `expected a key, found ${JSON.stringify(keyToken.text)}`,
        );
      }
      if (peek().text === '=' || peek().text === ':') {
        next();
        body.attributes.set(keyToken.text, { value: parseValue(), line: keyToken.line });
      } else {
        const label = peek().type === 'string' ? next().text : '';
        expect('{');
        const inner = parseBody('}');
        expect('}');
        body.blocks.push({
          kind: 'block',
          key: keyToken.text,
          label,
          body: inner,
          line: keyToken.line,
        });
      }
      if (peek().text === ',') next();
    }
    return body;
  };

  const result = parseBody('');
  if (peek().type !== 'eof') {
    const token = peek();
    throw new HclSyntaxError(token.line, token.column, `unexpected ${JSON.stringify(token.text)}`);
  }
  return result;
}
