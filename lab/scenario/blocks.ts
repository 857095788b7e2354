/**
 * Checks the named blocks of a scenario (probes, actions, the fault, the
 * rotation) against the ScenarioRegistry: the name must be registered and
 * the other fields must match that block's schema.
 */
import type { FileContext } from './file-context.ts';
import { closestName, describeReceived } from './problem.ts';
import type { BlockSpec, FaultSpec, ScenarioRegistry } from './registry.ts';

type PathPart = string | number;

export type BlockKind = 'probe' | 'action' | 'fault' | 'rotation';

/** The field that names a block of each kind, and the registry section it is looked up in. */
const NAME_FIELD: Record<BlockKind, string> = {
  probe: 'probe',
  action: 'action',
  fault: 'type',
  rotation: 'strategy',
};

const SECTION: Record<BlockKind, keyof ScenarioRegistry> = {
  probe: 'probes',
  action: 'actions',
  fault: 'faults',
  rotation: 'rotations',
};

/** Locations of blocks in a scenario file. */
const LIST_LOCATIONS: Array<{ path: PathPart[]; kind: BlockKind }> = [
  { path: ['setup', 'actions'], kind: 'action' },
  { path: ['steadyState', 'probes'], kind: 'probe' },
  { path: ['symptoms', 'probes'], kind: 'probe' },
  { path: ['remediation', 'actions'], kind: 'action' },
  { path: ['recovery', 'probes'], kind: 'probe' },
];

const SINGLE_LOCATIONS: Array<{ path: PathPart[]; kind: BlockKind }> = [
  { path: ['fault'], kind: 'fault' },
  { path: ['rotation'], kind: 'rotation' },
];

/** Checks every block in the file; records problems on `context`. */
export function checkBlocks(context: FileContext, registry: ScenarioRegistry): void {
  for (const { path, kind } of LIST_LOCATIONS) {
    const list = context.valueAt(path);
    if (!Array.isArray(list)) continue;
    for (let index = 0; index < list.length; index++)
      checkBlock(context, registry, [...path, index], kind);
  }
  for (const { path, kind } of SINGLE_LOCATIONS) {
    if (context.valueAt(path) !== undefined) checkBlock(context, registry, path, kind);
  }
}

function checkBlock(
  context: FileContext,
  registry: ScenarioRegistry,
  path: PathPart[],
  kind: BlockKind,
): void {
  const block = context.valueAt(path);
  const nameField = NAME_FIELD[kind];
  if (block === null || typeof block !== 'object' || Array.isArray(block)) return;
  const name = (block as Record<string, unknown>)[nameField];
  if (typeof name !== 'string') return;

  const specs = registry[SECTION[kind]] as Record<string, BlockSpec | FaultSpec>;
  const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
  if (!spec) {
    const known = Object.keys(specs).sort();
    const suggestion = closestName(name, known);
    let message = `unknown ${kind}: no ${SECTION[kind]} are registered`;
    if (suggestion) message = `unknown ${kind}`;
    else if (known.length)
      message = `unknown ${kind}; registered ${SECTION[kind]}: ${known.join(', ')}`;
    const received = describeReceived(name)!;
    context.add(
      [...path, nameField],
      'unknown-block',
      message,
      suggestion ? { received, suggestion } : { received },
    );
    return;
  }

  const { [nameField]: _name, ...fields } = block as Record<string, unknown>;
  if (kind === 'fault') {
    checkVariant(context, path, spec as FaultSpec, name, fields.variant);
    delete fields.variant;
  }

  const result = spec.schema.safeParse(fields);
  if (!result.success)
    context.addIssues(
      result.error.issues,
      path,
      spec.schema,
      kind === 'fault' ? [nameField, 'variant'] : [nameField],
    );
}

function checkVariant(
  context: FileContext,
  path: PathPart[],
  spec: FaultSpec,
  type: string,
  variant: unknown,
): void {
  const variants = spec.variants ?? [];
  if (variant === undefined) {
    if (variants.length > 1) {
      context.add(
        [...path, 'variant'],
        'required',
        `is required for fault ${type}: one of ${variants.join(', ')}`,
      );
    }
    return;
  }
  if (typeof variant === 'string' && variants.includes(variant)) return;
  const suggestion = typeof variant === 'string' ? closestName(variant, variants) : undefined;
  const message = variants.length
    ? `must be one of ${variants.join(', ')} for fault ${type}`
    : `is not allowed: fault ${type} has no variants`;
  const received = describeReceived(variant)!;
  context.add(
    [...path, 'variant'],
    'invalid-value',
    message,
    suggestion ? { received, suggestion } : { received },
  );
}
