/**
 * The rotation propagation timeline: one row per event (Vault rotated, the
 * Secret updated, the file visible in the pod, the new credential served,
 * the old one rejected), placed by its time since the rotation started.
 */
import { formatDuration } from '../core/duration.ts';
import type { RotationRecord } from '../run/record.ts';
import { type Box, COLORS, fitText, linearScale, round, svgOpen, text, xAxis } from './svg.ts';

const WIDTH = 760;
const ROW_HEIGHT = 28;
const LABEL_WIDTH = 190;

export function renderPropagationChart(rotation: RotationRecord, title: string): string {
  const events = [...rotation.propagation].sort((a, b) => a.afterMs - b.afterMs);
  const box: Box = {
    left: LABEL_WIDTH,
    top: 48,
    width: WIDTH - LABEL_WIDTH - 90,
    height: ROW_HEIGHT * events.length,
  };
  const height = box.top + box.height + 48;
  const lastMs = Math.max(1, ...events.map((event) => event.afterMs));
  const useSeconds = lastMs >= 2000;
  const x = linearScale(
    useSeconds ? lastMs / 1000 : lastMs,
    box.left,
    box.left + box.width,
    (value) => (useSeconds ? `${value}s` : `${value}ms`),
  );
  const position = (afterMs: number) => round(x(useSeconds ? afterMs / 1000 : afterMs));

  const rows = events.map((event, index) => {
    const y = box.top + ROW_HEIGHT * index + ROW_HEIGHT / 2;
    const at = position(event.afterMs);
    const stripe =
      index % 2 === 0
        ? `<rect x="0" y="${y - ROW_HEIGHT / 2}" width="${WIDTH}" height="${ROW_HEIGHT}" fill="#f6f6f6"/>`
        : '';
    return [
      stripe,
      text(box.left - 10, y + 4, event.name, { 'text-anchor': 'end' }),
      `<line x1="${box.left}" x2="${at}" y1="${y}" y2="${y}" stroke="${COLORS.rotation}" stroke-opacity="0.35" stroke-width="4"/>`,
      `<circle cx="${at}" cy="${y}" r="5" fill="${COLORS.rotation}"/>`,
      text(at + 10, y + 4, formatDuration(event.afterMs), { fill: COLORS.rotation }),
    ].join('\n');
  });

  const verdict = rotation.zeroDowntime ? 'zero downtime' : 'with downtime';
  const description =
    `${events.length} propagation events of the ${rotation.strategy} rotation (${verdict}); ` +
    `the last came ${formatDuration(lastMs)} after the rotation started.`;
  return [
    svgOpen(WIDTH, height, title, description),
    text(16, 20, fitText(title, WIDTH - 32, 14), { 'font-size': 14, 'font-weight': 600 }),
    text(16, 36, fitText(`${rotation.strategy}, ${verdict}`, WIDTH - 32, 12), { fill: '#555555' }),
    ...rows,
    xAxis(box, x, 'time since the rotation started'),
    '</svg>',
    '',
  ].join('\n');
}
