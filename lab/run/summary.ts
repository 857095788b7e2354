/** The summary table printed at the end of `lab run`, one row per scenario, then each failed check. */
import { formatDuration } from '../core/duration.ts';
import type { RunRecord } from './record.ts';

export function formatSummary(record: RunRecord): string {
  const header = ['SCENARIO', 'STATUS', 'SCORE', 'DETECTED', 'RECOVERED', 'TIME'];
  const rows = record.scenarios.map((scenario) => [
    scenario.name,
    scenario.status,
    `${scenario.score.percent}%`,
    scenario.detection ? formatDuration(scenario.detection.afterMs) : '-',
    scenario.recovery ? formatDuration(scenario.recovery.afterMs) : '-',
    scenario.durationMs === undefined ? '-' : formatDuration(scenario.durationMs),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();

  const lines = [line(header), ...rows.map(line)];
  for (const scenario of record.scenarios) {
    for (const check of scenario.checks.filter((candidate) => !candidate.passed)) {
      const flag = check.required ? 'required' : 'optional';
      lines.push(`  ${scenario.name}: ${check.id} failed (${flag}): ${check.message}`);
    }
    if (scenario.error) lines.push(`  ${scenario.name}: ${scenario.error}`);
  }
  const { score } = record;
  lines.push(`run ${record.runId}: ${record.status}, score ${score.earned}/${score.possible} (${score.percent}%)`);
  return `${lines.join('\n')}\n`;
}
