/**
 * The controller's Prometheus metrics with ESO's names and labels
 * (pkg/controllers/externalsecret/esmetrics, pkg/controllers/secretstore/
 * ssmetrics and pkg/provider/metrics in external-secrets), rendered in the
 * Prometheus text exposition format 0.0.4.
 */

type Labels = Record<string, string>;
type MetricType = 'counter' | 'gauge';

interface Family {
  help: string;
  type: MetricType;
  samples: Map<string, { labels: Labels; value: number }>;
}

export const MetricName = {
  syncCallsTotal: 'externalsecret_sync_calls_total',
  syncCallsError: 'externalsecret_sync_calls_error',
  externalSecretCondition: 'externalsecret_status_condition',
  reconcileDuration: 'externalsecret_reconcile_duration',
  providerApiCalls: 'externalsecret_provider_api_calls_count',
  secretStoreCondition: 'secretstore_status_condition',
} as const;

const FAMILIES: Record<string, { help: string; type: MetricType }> = {
  [MetricName.syncCallsTotal]: {
    help: 'Total number of the External Secret sync calls',
    type: 'counter',
  },
  [MetricName.syncCallsError]: {
    help: 'Total number of the External Secret sync errors',
    type: 'counter',
  },
  [MetricName.externalSecretCondition]: {
    help: 'The status condition of a specific External Secret',
    type: 'gauge',
  },
  [MetricName.reconcileDuration]: {
    help: 'The duration time to reconcile the External Secret',
    type: 'gauge',
  },
  [MetricName.providerApiCalls]: {
    help: 'Number of API calls towards the secret provider',
    type: 'counter',
  },
  [MetricName.secretStoreCondition]: {
    help: 'The status condition of a specific Secret Store',
    type: 'gauge',
  },
};

export class Metrics {
  private readonly families = new Map<string, Family>();

  constructor() {
    for (const [name, family] of Object.entries(FAMILIES)) {
      this.families.set(name, { ...family, samples: new Map() });
    }
  }

  inc(name: string, labels: Labels, by = 1): void {
    const sample = this.sample(name, labels);
    sample.value += by;
  }

  set(name: string, labels: Labels, value: number): void {
    this.sample(name, labels).value = value;
  }

  get(name: string, labels: Labels): number | undefined {
    return this.families.get(name)?.samples.get(labelKey(labels))?.value;
  }

  /** Sets the condition gauge pair as ESO does: the current status 1, the opposite 0. */
  setCondition(
    name: string,
    labels: Labels,
    condition: string,
    status: 'True' | 'False' | 'Unknown',
  ): void {
    const opposite = status === 'True' ? 'False' : 'True';
    this.set(name, { ...labels, condition, status }, 1);
    this.set(name, { ...labels, condition, status: opposite }, 0);
  }

  /** Removes every sample of `name` whose labels include `match`, for a deleted object. */
  remove(name: string, match: Labels): void {
    const family = this.families.get(name);
    if (!family) return;
    for (const [key, sample] of family.samples) {
      if (Object.entries(match).every(([label, value]) => sample.labels[label] === value))
        family.samples.delete(key);
    }
  }

  /** Renders every family in the Prometheus text format. */
  text(): string {
    const lines: string[] = [];
    for (const [name, family] of this.families) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const sample of family.samples.values()) {
        lines.push(`${name}${formatLabels(sample.labels)} ${formatNumber(sample.value)}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  private sample(name: string, labels: Labels): { labels: Labels; value: number } {
    const family = this.families.get(name);
    if (!family)
      throw new Error(`unknown metric "${name}": add it to FAMILIES in metrics.ts first`);
    const key = labelKey(labels);
    let sample = family.samples.get(key);
    if (!sample) {
      sample = { labels: { ...labels }, value: 0 };
      family.samples.set(key, sample);
    }
    return sample;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join('\u0000');
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const parts = keys.map((key) => `${key}="${escapeLabel(labels[key] ?? '')}"`);
  return `{${parts.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}
