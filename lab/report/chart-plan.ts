/**
 * The chart files of a run: latency and error rate for each scenario with
 * load, a propagation timeline for each scenario with a rotation. File names
 * derive from the scenario name, numbered when two scenarios share it.
 */
import type { RunRecord } from '../run/record.ts';

/** Chart file names of one scenario, relative to the run folder. */
export interface ScenarioCharts {
  latency?: string;
  errors?: string;
  propagation?: string;
}

export function planCharts(record: RunRecord): ScenarioCharts[] {
  const used = new Map<string, number>();
  return record.scenarios.map((scenario) => {
    const base = fileStem(scenario.name);
    const count = used.get(base) ?? 0;
    used.set(base, count + 1);
    const stem = count === 0 ? base : `${base}-${count}`;

    const charts: ScenarioCharts = {};
    if (scenario.load && scenario.load.series.length > 0) {
      charts.latency = `${stem}-latency.svg`;
      charts.errors = `${stem}-errors.svg`;
    }
    if (scenario.rotation && scenario.rotation.propagation.length > 0) {
      charts.propagation = `${stem}-propagation.svg`;
    }
    return charts;
  });
}

/** Converts a scenario name to a safe file-name stem: lower case, `-` for anything else. */
function fileStem(name: string): string {
  const stem = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return stem.slice(0, 80) || 'scenario';
}
