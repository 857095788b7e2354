/**
 * The pieces every chart shares: XML escaping, linear and logarithmic
 * scales, round tick values, and the frame (axes, grid, title, legend).
 * Charts are plain SVG strings, so they render without a browser and embed
 * inline in `report.html`.
 */

export const COLORS = {
  p50: '#1f6fb2',
  p99: '#d9730d',
  errors: '#c0392b',
  fault: '#f2b8b5',
  rotation: '#6b3fa0',
  grid: '#e3e3e3',
  axis: '#555555',
  text: '#222222',
} as const;

export const FONT =
  'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Scale {
  (value: number): number;
  ticks: number[];
  format(value: number): string;
}

/** Escapes text for SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Rounds a coordinate to one decimal, which keeps files small and stable. */
export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Round tick values (1, 2 or 5 times a power of ten) covering 0..max. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10]
    .map((factor) => factor * magnitude)
    .find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let value = 0; value < max + step / 2; value += step)
    ticks.push(Number(value.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max)
    ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** Builds a linear scale from 0..max (extended to the last tick) onto pixels from `start` to `end`. */
export function linearScale(
  max: number,
  start: number,
  end: number,
  format: (v: number) => string,
): Scale {
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1]!;
  const scale = ((value: number) => start + ((end - start) * value) / top) as Scale;
  scale.ticks = ticks;
  scale.format = format;
  return scale;
}

/** Builds a base-10 logarithmic scale over whole decades covering min..max. */
export function logScale(
  min: number,
  max: number,
  start: number,
  end: number,
  format: (v: number) => string,
): Scale {
  const low = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(max)));
  const scale = ((value: number) => {
    const clamped = Math.max(value, 10 ** low);
    return start + ((end - start) * (Math.log10(clamped) - low)) / (high - low);
  }) as Scale;
  scale.ticks = [];
  for (let exponent = low; exponent <= high; exponent += 1) scale.ticks.push(10 ** exponent);
  scale.format = format;
  return scale;
}

/** Average glyph width of the sans-serif fonts above, as a share of the font size (an estimate). */
const AVERAGE_GLYPH_WIDTH = 0.6;

/** Shortens text with an ellipsis so it fits `widthPx` at `fontSizePx`. */
export function fitText(content: string, widthPx: number, fontSizePx: number): string {
  const maxChars = Math.max(4, Math.floor(widthPx / (fontSizePx * AVERAGE_GLYPH_WIDTH)));
  return content.length <= maxChars ? content : `${content.slice(0, maxChars - 1)}…`;
}

/** Renders the opening tag, a white background, and a title and description for screen readers. */
export function svgOpen(width: number, height: number, title: string, description: string): string {
  const id = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" ${FONT} font-size="12">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(description)}</desc>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ].join('\n');
}

export function text(
  x: number,
  y: number,
  content: string,
  attributes: Record<string, string | number> = {},
): string {
  const merged = { fill: COLORS.text, ...attributes };
  const extra = Object.entries(merged)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
  return `<text x="${round(x)}" y="${round(y)}"${extra}>${escapeXml(content)}</text>`;
}

/** Horizontal grid lines with labels for a y scale, and the x-axis line. */
export function yAxis(box: Box, scale: Scale, label: string): string {
  const lines: string[] = [];
  for (const tick of scale.ticks) {
    const y = round(scale(tick));
    lines.push(
      `<line x1="${box.left}" x2="${box.left + box.width}" y1="${y}" y2="${y}" stroke="${COLORS.grid}"/>`,
    );
    lines.push(text(box.left - 6, y + 4, scale.format(tick), { 'text-anchor': 'end' }));
  }
  const middle = box.top + box.height / 2;
  lines.push(
    text(14, middle, label, {
      'text-anchor': 'middle',
      transform: `rotate(-90 14 ${round(middle)})`,
    }),
  );
  return lines.join('\n');
}

/** Tick labels along the bottom for an x scale, and the axis line. */
export function xAxis(box: Box, scale: Scale, label: string): string {
  const bottom = box.top + box.height;
  const lines = [
    `<line x1="${box.left}" x2="${box.left + box.width}" y1="${bottom}" y2="${bottom}" stroke="${COLORS.axis}"/>`,
  ];
  for (const tick of scale.ticks) {
    const x = round(scale(tick));
    lines.push(
      `<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 4}" stroke="${COLORS.axis}"/>`,
    );
    lines.push(text(x, bottom + 16, scale.format(tick), { 'text-anchor': 'middle' }));
  }
  lines.push(text(box.left + box.width / 2, bottom + 32, label, { 'text-anchor': 'middle' }));
  return lines.join('\n');
}

export interface LegendItem {
  color: string;
  label: string;
  /** A dashed line swatch, as for markers. */
  dashed?: boolean;
  /** A filled square swatch, as for shaded windows and bars. */
  area?: boolean;
}

/** Renders a legend row of coloured swatches, left to right from (x, y). */
export function legend(x: number, y: number, items: LegendItem[]): string {
  const parts: string[] = [];
  let cursor = x;
  for (const item of items) {
    const dash = item.dashed ? ' stroke-dasharray="4 3"' : '';
    parts.push(
      item.area
        ? `<rect x="${cursor}" y="${y - 10}" width="18" height="10" fill="${item.color}"/>`
        : `<line x1="${cursor}" x2="${cursor + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${item.color}" stroke-width="3"${dash}/>`,
    );
    parts.push(text(cursor + 24, y, item.label));
    cursor += 24 + item.label.length * 7 + 18;
  }
  return parts.join('\n');
}
