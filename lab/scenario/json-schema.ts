/**
 * The JSON Schema of scenario format v1 (`scenarios/schema.json`), so editors
 * complete and check scenario files. Each probe, action, fault and rotation
 * block becomes a choice between the registered names, each with its own
 * parameters.
 */
import { z } from 'zod';
import type { BlockSpec, FaultSpec, ScenarioRegistry } from './registry.ts';
import { scenarioSchema } from './schema.ts';

type JsonSchema = Record<string, unknown>;

/**
 * Draft 7, because yaml-language-server (the YAML support in VS Code and
 * other editors) implements draft 7 fully and later drafts only in part.
 */
const TO_JSON_SCHEMA = { target: 'draft-7', io: 'input', unrepresentable: 'any' } as const;

/** Path of the published JSON Schema for editors, relative to the project root. */
export const SCHEMA_FILE = 'scenarios/schema.json';

/** Builds the JSON Schema of scenario files, with the registry's block schemas. */
export function scenarioJsonSchema(registry: ScenarioRegistry): JsonSchema {
  const schema = z.toJSONSchema(scenarioSchema, TO_JSON_SCHEMA) as JsonSchema;
  const definitions = (schema.definitions ?? {}) as Record<string, JsonSchema>;

  definitions.probe = blockChoice('probe', 'probe', registry.probes, definitions.probe);
  definitions.action = blockChoice('action', 'action', registry.actions, definitions.action);
  definitions.fault = blockChoice('fault', 'type', registry.faults, definitions.fault);
  definitions.rotation = blockChoice(
    'rotation strategy',
    'strategy',
    registry.rotations,
    definitions.rotation,
  );

  return { ...schema, definitions };
}

/**
 * One block kind as `anyOf` its registered names. With nothing registered
 * the loose base schema is kept, so editors still accept the name field.
 */
function blockChoice(
  label: string,
  nameField: string,
  specs: Record<string, BlockSpec | FaultSpec>,
  base: JsonSchema | undefined,
): JsonSchema {
  const names = Object.keys(specs).sort();
  if (names.length === 0) return base ?? { type: 'object' };
  return {
    description: `A ${label}: one of ${names.join(', ')}.`,
    anyOf: names.map((name) => blockSchema(nameField, name, specs[name]!)),
  };
}

function blockSchema(nameField: string, name: string, spec: BlockSpec | FaultSpec): JsonSchema {
  const own = z.toJSONSchema(spec.schema, TO_JSON_SCHEMA) as JsonSchema;
  delete own.$schema;
  const properties = { ...((own.properties ?? {}) as Record<string, unknown>) };
  const required = [...((own.required ?? []) as string[])];
  const named: JsonSchema = {
    ...own,
    description: spec.description,
    type: 'object',
    properties: { [nameField]: { const: name }, ...properties },
    required: [nameField, ...required],
  };
  const variants = (spec as FaultSpec).variants;
  if (variants?.length) {
    (named.properties as Record<string, unknown>).variant = { type: 'string', enum: variants };
  }
  return named;
}
