/**
 * Server-side Tables for `kubectl get`: the columns and cells of
 * pkg/printers/internalversion/printers.go for the built-in kinds, and the
 * additionalPrinterColumns of CRDs as
 * apiextensions-apiserver/pkg/registry/customresource/tableconvertor does.
 */
import { evaluateJsonPath } from './jsonpath.ts';
import type { KubeObject, PrinterColumn, ResourceType } from './types.ts';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

interface Printer {
  columns: ColumnDefinition[];
  cells(object: KubeObject, now: number): unknown[];
}

function column(name: string, priority = 0, type = 'string', format = ''): ColumnDefinition {
  return { name, type, format, description: '', priority };
}

const NAME = column('Name', 0, 'string', 'name');
const AGE = column('Age');

/** Formats an elapsed time as apimachinery's duration.HumanDuration does. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192)
    return hours % 24 === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8)
    return days % 365 === 0
      ? `${Math.floor(days / 365)}y`
      : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  return humanDuration(now - Date.parse(timestamp));
}

function field<T>(object: unknown, ...path: string[]): T | undefined {
  let current: unknown = object;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current as T | undefined;
}

/** Formats a metav1.LabelSelector as metav1.FormatLabelSelector does. */
export function formatLabelSelector(selector: unknown): string {
  const parts: string[] = [];
  const matchLabels = field<Record<string, string>>(selector, 'matchLabels') ?? {};
  for (const key of Object.keys(matchLabels).sort()) parts.push(`${key}=${matchLabels[key]}`);
  for (const expression of field<Array<{ key: string; operator: string; values?: string[] }>>(
    selector,
    'matchExpressions',
  ) ?? []) {
    const values = [...(expression.values ?? [])].sort().join(',');
    switch (expression.operator) {
      case 'In':
        parts.push(`${expression.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${expression.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(expression.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${expression.key}`);
        break;
    }
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

function containerNames(template: unknown): string {
  return (field<Array<{ name: string }>>(template, 'spec', 'containers') ?? [])
    .map((container) => container.name)
    .join(',');
}

function containerImages(template: unknown): string {
  return (field<Array<{ image: string }>>(template, 'spec', 'containers') ?? [])
    .map((container) => container.image)
    .join(',');
}

function podStatus(pod: KubeObject): { ready: string; status: string; restarts: number } {
  const containers = field<unknown[]>(pod, 'spec', 'containers') ?? [];
  const statuses = field<Array<Record<string, unknown>>>(pod, 'status', 'containerStatuses') ?? [];
  let reason =
    field<string>(pod, 'status', 'reason') || field<string>(pod, 'status', 'phase') || 'Pending';
  let readyCount = 0;
  let restarts = 0;
  for (const status of statuses) {
    restarts += Number(status.restartCount ?? 0);
    if (status.ready === true) readyCount += 1;
    const waiting = field<string>(status, 'state', 'waiting', 'reason');
    const terminated = field<string>(status, 'state', 'terminated', 'reason');
    if (waiting) reason = waiting;
    else if (terminated) reason = terminated;
  }
  if (pod.metadata.deletionTimestamp) reason = 'Terminating';
  return { ready: `${readyCount}/${containers.length}`, status: reason, restarts };
}

function servicePorts(service: KubeObject): string {
  const ports =
    field<Array<{ port: number; nodePort?: number; protocol?: string }>>(
      service,
      'spec',
      'ports',
    ) ?? [];
  if (ports.length === 0) return '<none>';
  return ports
    .map(
      (port) => `${port.port}${port.nodePort ? `:${port.nodePort}` : ''}/${port.protocol ?? 'TCP'}`,
    )
    .join(',');
}

function subjectsOf(binding: KubeObject, kind: string): string {
  const subjects =
    field<Array<{ kind: string; name: string; namespace?: string }>>(binding, 'subjects') ?? [];
  return subjects
    .filter((subject) => subject.kind === kind)
    .map((subject) =>
      kind === 'ServiceAccount' ? `${subject.namespace ?? ''}/${subject.name}` : subject.name,
    )
    .join(', ');
}

function bindingPrinter(): Printer {
  return {
    columns: [
      NAME,
      column('Role'),
      AGE,
      column('Users', 1),
      column('Groups', 1),
      column('ServiceAccounts', 1),
    ],
    cells: (binding, now) => [
      binding.metadata.name,
      `${field<string>(binding, 'roleRef', 'kind')}/${field<string>(binding, 'roleRef', 'name')}`,
      age(binding.metadata.creationTimestamp, now),
      subjectsOf(binding, 'User'),
      subjectsOf(binding, 'Group'),
      subjectsOf(binding, 'ServiceAccount'),
    ],
  };
}

const createdAtPrinter: Printer = {
  columns: [NAME, column('Created At', 0, 'date')],
  cells: (object) => [object.metadata.name, object.metadata.creationTimestamp],
};

function eventLastSeen(event: KubeObject, now: number): string {
  const last = field<string>(event, 'lastTimestamp') ?? field<string>(event, 'eventTime');
  const first = field<string>(event, 'firstTimestamp') ?? last;
  const count = Number(field<number>(event, 'count') ?? 1);
  const lastSeen = age(last, now);
  if (count > 1 && first) return `${lastSeen} (x${count} over ${age(first, now)})`;
  return lastSeen;
}

const PRINTERS: Record<string, Printer> = {
  Namespace: {
    columns: [NAME, column('Status'), AGE],
    cells: (ns, now) => [
      ns.metadata.name,
      field<string>(ns, 'status', 'phase') ?? 'Active',
      age(ns.metadata.creationTimestamp, now),
    ],
  },
  Pod: {
    columns: [
      NAME,
      column('Ready'),
      column('Status'),
      column('Restarts', 0, 'string'),
      AGE,
      column('IP', 1),
      column('Node', 1),
      column('Nominated Node', 1),
      column('Readiness Gates', 1),
    ],
    cells: (pod, now) => {
      const status = podStatus(pod);
      return [
        pod.metadata.name,
        status.ready,
        status.status,
        String(status.restarts),
        age(pod.metadata.creationTimestamp, now),
        field<string>(pod, 'status', 'podIP') || '<none>',
        field<string>(pod, 'spec', 'nodeName') || '<none>',
        field<string>(pod, 'status', 'nominatedNodeName') || '<none>',
        '<none>',
      ];
    },
  },
  Deployment: {
    columns: [
      NAME,
      column('Ready'),
      column('Up-to-date', 0, 'integer'),
      column('Available', 0, 'integer'),
      AGE,
      column('Containers', 1),
      column('Images', 1),
      column('Selector', 1),
    ],
    cells: (deployment, now) => [
      deployment.metadata.name,
      `${field<number>(deployment, 'status', 'readyReplicas') ?? 0}/${field<number>(deployment, 'spec', 'replicas') ?? 0}`,
      field<number>(deployment, 'status', 'updatedReplicas') ?? 0,
      field<number>(deployment, 'status', 'availableReplicas') ?? 0,
      age(deployment.metadata.creationTimestamp, now),
      containerNames(field(deployment, 'spec', 'template')),
      containerImages(field(deployment, 'spec', 'template')),
      formatLabelSelector(field(deployment, 'spec', 'selector')),
    ],
  },
  ReplicaSet: {
    columns: [
      NAME,
      column('Desired', 0, 'integer'),
      column('Current', 0, 'integer'),
      column('Ready', 0, 'integer'),
      AGE,
      column('Containers', 1),
      column('Images', 1),
      column('Selector', 1),
    ],
    cells: (replicaSet, now) => [
      replicaSet.metadata.name,
      field<number>(replicaSet, 'spec', 'replicas') ?? 0,
      field<number>(replicaSet, 'status', 'replicas') ?? 0,
      field<number>(replicaSet, 'status', 'readyReplicas') ?? 0,
      age(replicaSet.metadata.creationTimestamp, now),
      containerNames(field(replicaSet, 'spec', 'template')),
      containerImages(field(replicaSet, 'spec', 'template')),
      formatLabelSelector(field(replicaSet, 'spec', 'selector')),
    ],
  },
  Service: {
    columns: [
      NAME,
      column('Type'),
      column('Cluster-IP'),
      column('External-IP'),
      column('Port(s)'),
      AGE,
      column('Selector', 1),
    ],
    cells: (service, now) => {
      const selector = field<Record<string, string>>(service, 'spec', 'selector');
      return [
        service.metadata.name,
        field<string>(service, 'spec', 'type') ?? 'ClusterIP',
        field<string>(service, 'spec', 'clusterIP') || '<none>',
        (field<string[]>(service, 'spec', 'externalIPs') ?? []).join(',') || '<none>',
        servicePorts(service),
        age(service.metadata.creationTimestamp, now),
        selector ? formatLabelSelector({ matchLabels: selector }) : '<none>',
      ];
    },
  },
  Endpoints: {
    columns: [NAME, column('Endpoints'), AGE],
    cells: (endpoints, now) => {
      const subsets =
        field<Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ port: number }> }>>(
          endpoints,
          'subsets',
        ) ?? [];
      const pairs = subsets.flatMap((subset) =>
        (subset.addresses ?? []).flatMap((address) =>
          (subset.ports ?? []).map((port) => `${address.ip}:${port.port}`),
        ),
      );
      return [
        endpoints.metadata.name,
        pairs.join(',') || '<none>',
        age(endpoints.metadata.creationTimestamp, now),
      ];
    },
  },
  Secret: {
    columns: [NAME, column('Type'), column('Data', 0, 'string'), AGE],
    cells: (secret, now) => [
      secret.metadata.name,
      field<string>(secret, 'type') ?? 'Opaque',
      String(Object.keys(field<object>(secret, 'data') ?? {}).length),
      age(secret.metadata.creationTimestamp, now),
    ],
  },
  ConfigMap: {
    columns: [NAME, column('Data', 0, 'string'), AGE],
    cells: (configMap, now) => [
      configMap.metadata.name,
      String(
        Object.keys(field<object>(configMap, 'data') ?? {}).length +
          Object.keys(field<object>(configMap, 'binaryData') ?? {}).length,
      ),
      age(configMap.metadata.creationTimestamp, now),
    ],
  },
  ServiceAccount: {
    columns: [NAME, column('Secrets', 0, 'string'), AGE],
    cells: (account, now) => [
      account.metadata.name,
      String((field<unknown[]>(account, 'secrets') ?? []).length),
      age(account.metadata.creationTimestamp, now),
    ],
  },
  Event: {
    columns: [
      column('Last Seen'),
      column('Type'),
      column('Reason'),
      column('Object'),
      column('Subobject', 1),
      column('Source', 1),
      column('Message'),
      column('First Seen', 1),
      column('Count', 1),
      column('Name', 1),
    ],
    cells: (event, now) => [
      eventLastSeen(event, now),
      field<string>(event, 'type') ?? '',
      field<string>(event, 'reason') ?? '',
      `${(field<string>(event, 'involvedObject', 'kind') ?? '').toLowerCase()}/${field<string>(event, 'involvedObject', 'name') ?? ''}`,
      field<string>(event, 'involvedObject', 'fieldPath') ?? '',
      field<string>(event, 'source', 'component') ??
        field<string>(event, 'reportingComponent') ??
        '',
      (field<string>(event, 'message') ?? '').trim(),
      age(field<string>(event, 'firstTimestamp'), now),
      Number(field<number>(event, 'count') ?? 1),
      event.metadata.name,
    ],
  },
  Role: createdAtPrinter,
  ClusterRole: createdAtPrinter,
  RoleBinding: bindingPrinter(),
  ClusterRoleBinding: bindingPrinter(),
  CustomResourceDefinition: createdAtPrinter,
  NetworkPolicy: {
    columns: [NAME, column('Pod-Selector'), AGE],
    cells: (policy, now) => [
      policy.metadata.name,
      formatLabelSelector(field(policy, 'spec', 'podSelector')),
      age(policy.metadata.creationTimestamp, now),
    ],
  },
  Node: {
    columns: [NAME, column('Status'), column('Roles'), AGE, column('Version')],
    cells: (node, now) => {
      const ready = (
        field<Array<{ type: string; status: string }>>(node, 'status', 'conditions') ?? []
      ).find((c) => c.type === 'Ready');
      return [
        node.metadata.name,
        ready?.status === 'True' ? 'Ready' : 'NotReady',
        '<none>',
        age(node.metadata.creationTimestamp, now),
        field<string>(node, 'status', 'nodeInfo', 'kubeletVersion') ?? '',
      ];
    },
  },
  Lease: {
    columns: [NAME, column('Holder'), AGE],
    cells: (lease, now) => [
      lease.metadata.name,
      field<string>(lease, 'spec', 'holderIdentity') ?? '',
      age(lease.metadata.creationTimestamp, now),
    ],
  },
};

const DEFAULT_PRINTER: Printer = {
  columns: [NAME, AGE],
  cells: (object, now) => [object.metadata.name, age(object.metadata.creationTimestamp, now)],
};

function printerColumnCell(object: KubeObject, printerColumn: PrinterColumn, now: number): unknown {
  let values: unknown[];
  try {
    values = evaluateJsonPath(object, printerColumn.jsonPath);
  } catch {
    return null;
  }
  if (values.length === 0) return null;
  const value =
    values.length === 1
      ? values[0]
      : values
          .map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item)))
          .join(' ');
  if (printerColumn.type === 'date' && typeof value === 'string') return age(value, now);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return value;
}

function customPrinter(resource: ResourceType): Printer {
  const printerColumns = resource.custom?.printerColumns ?? [];
  if (printerColumns.length === 0)
    return { columns: [NAME, column('Age', 0, 'date')], cells: DEFAULT_PRINTER.cells };
  return {
    columns: [
      NAME,
      ...printerColumns.map((printerColumn) =>
        column(
          printerColumn.name,
          printerColumn.priority ?? 0,
          printerColumn.type,
          printerColumn.format ?? '',
        ),
      ),
    ],
    cells: (object, now) => [
      object.metadata.name,
      ...printerColumns.map((printerColumn) => printerColumnCell(object, printerColumn, now)),
    ],
  };
}

function printerFor(resource: ResourceType): Printer {
  if (resource.custom) return customPrinter(resource);
  return PRINTERS[resource.kind] ?? DEFAULT_PRINTER;
}

function rowObject(object: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/** Converts objects to a Table. `includeObject` defaults to Metadata, as kube-apiserver's does. */
export function toTable(
  resource: ResourceType,
  objects: KubeObject[],
  options: {
    includeObject?: IncludeObject;
    resourceVersion?: string;
    continueToken?: string;
    now?: number;
  } = {},
): Table {
  const printer = printerFor(resource);
  const now = options.now ?? Date.now();
  const include = options.includeObject ?? 'Metadata';
  const metadata: Table['metadata'] = {};
  if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion;
  if (options.continueToken) metadata.continue = options.continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns,
    rows: objects.map((object) => {
      const row: TableRow = { cells: printer.cells(object, now) };
      const included = rowObject(object, include);
      if (included !== undefined) row.object = included;
      return row;
    }),
  };
}
