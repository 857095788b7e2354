/**
 * Maps a field path in a parsed YAML document to its line and column, so a
 * problem points at the key or value it is about. A missing field points at
 * the mapping that should hold it.
 */
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/**
 * Finds the position of `path` in `document`. With `at: 'key'` it returns
 * the position of the key of the last path element (for unknown keys);
 * otherwise the value's position.
 */
export function positionOf(
  document: Document,
  lineCounter: LineCounter,
  path: ReadonlyArray<string | number>,
  at: 'key' | 'value' = 'value',
): Position {
  let node: unknown = document.contents;
  let offset = startOf(node) ?? 0;

  for (let index = 0; index < path.length; index++) {
    const part = path[index]!;
    const isLast = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(part));
      if (!pair) break;
      if (isLast && at === 'key') {
        offset = startOf(pair.key) ?? offset;
        break;
      }
      node = pair.value;
      offset = startOf(node) ?? startOf(pair.key) ?? offset;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part];
      if (item === undefined) break;
      node = item;
      offset = startOf(node) ?? offset;
    } else {
      break;
    }
  }

  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
