/**
 * CustomResourceDefinitions: the kinds a CRD serves, its status conditions,
 * and structural-schema handling of custom objects (defaulting, pruning of
 * unknown fields, validation) as apiextensions-apiserver does it. The error
 * texts follow k8s.io/kube-openapi/pkg/validation/errors.
 */
import type { FieldError } from './status.ts';
import type { JsonSchema, KubeObject, PrinterColumn, ResourceType } from './types.ts';
import { checkName, invalidValue, required, unsupportedValue } from './validation.ts';

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: JsonSchema };
  subresources?: {
    status?: object;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdSpec {
  group: string;
  names: {
    plural: string;
    singular?: string;
    kind: string;
    listKind?: string;
    shortNames?: string[];
    categories?: string[];
  };
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
}

function specOf(crd: KubeObject): CrdSpec {
  return crd.spec as CrdSpec;
}

/** Validates a CRD's own fields. Returns the field errors for a 422. */
export function validateCrd(crd: KubeObject): FieldError[] {
  const spec = crd.spec as Partial<CrdSpec> | undefined;
  const errors: FieldError[] = [];
  if (!spec?.group) errors.push(required('spec.group'));
  if (!spec?.names?.plural) errors.push(required('spec.names.plural'));
  if (!spec?.names?.kind) errors.push(required('spec.names.kind'));
  if (spec?.scope !== 'Namespaced' && spec?.scope !== 'Cluster') {
    errors.push(unsupportedValue('spec.scope', spec?.scope ?? '', ['Cluster', 'Namespaced']));
  }
  const versions = Array.isArray(spec?.versions) ? spec.versions : [];
  if (versions.length === 0) errors.push(required('spec.versions'));
  const storage = versions.filter((version) => version.storage).length;
  if (versions.length > 0 && storage !== 1) {
    errors.push(
      invalidValue(
        'spec.versions',
        versions.map((version) => version.name),
        'must have exactly one version marked as storage version',
      ),
    );
  }
  versions.forEach((version, index) => {
    if (!version.name) errors.push(required(`spec.versions[${index}].name`));
  });
  if (spec?.group && spec.names?.plural) {
    const expected = `${spec.names.plural}.${spec.group}`;
    if (crd.metadata.name !== expected) {
      errors.push(
        invalidValue(
          'metadata.name',
          crd.metadata.name,
          `must be spec.names.plural+"."+spec.group`,
        ),
      );
    }
    for (const problem of checkName(spec.group, 'subdomain'))
      errors.push(invalidValue('spec.group', spec.group, problem));
    if (!spec.group.includes('.'))
      errors.push(
        invalidValue('spec.group', spec.group, 'should be a domain with at least one dot'),
      );
  }
  return errors;
}

/** The resource types a CRD serves, one per served version. */
export function resourceTypesOf(crd: KubeObject): ResourceType[] {
  const spec = specOf(crd);
  return spec.versions
    .filter((version) => version.served)
    .map((version) => {
      const subresources: string[] = [];
      if (version.subresources?.status) subresources.push('status');
      if (version.subresources?.scale) subresources.push('scale');
      return {
        group: spec.group,
        version: version.name,
        plural: spec.names.plural,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        kind: spec.names.kind,
        namespaced: spec.scope === 'Namespaced',
        shortNames: spec.names.shortNames,
        categories: spec.names.categories,
        subresources,
        tracksGeneration: true,
        custom: {
          schema: version.schema?.openAPIV3Schema,
          printerColumns: version.additionalPrinterColumns ?? [],
          scale: version.subresources?.scale,
        },
      };
    });
}

export function storageVersionOf(crd: KubeObject): string {
  return (
    specOf(crd).versions.find((version) => version.storage)?.name ??
    specOf(crd).versions[0]?.name ??
    'v1'
  );
}

/** The status kube-apiserver gives an accepted CRD: NamesAccepted and Established conditions. */
export function establishedStatus(crd: KubeObject, now: string): object {
  const spec = specOf(crd);
  const names = {
    listKind: `${spec.names.kind}List`,
    singular: spec.names.kind.toLowerCase(),
    ...spec.names,
  };
  return {
    acceptedNames: names,
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: now,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: now,
      },
    ],
    storedVersions: [storageVersionOf(crd)],
  };
}

export interface SchemaResult {
  errors: FieldError[];
  /** Paths of fields the schema does not know. Pruned, or rejected with fieldValidation=Strict. */
  unknownFields: string[];
}

/**
 * Defaults, prunes and validates a custom object against its schema, in
 * place. `apiVersion`, `kind` and `metadata` are always kept.
 */
export function applySchema(object: KubeObject, schema: JsonSchema | undefined): SchemaResult {
  const result: SchemaResult = { errors: [], unknownFields: [] };
  if (!schema) return result;
  const root = object as unknown as Record<string, unknown>;
  for (const [key, propertySchema] of Object.entries(schema.properties ?? {})) {
    if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
    const value = visit(root[key], propertySchema, key, result);
    if (value === undefined) delete root[key];
    else root[key] = value;
  }
  if (!schema['x-kubernetes-preserve-unknown-fields']) {
    for (const key of Object.keys(root)) {
      if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
      if (!schema.properties?.[key]) {
        result.unknownFields.push(key);
        delete root[key];
      }
    }
  }
  for (const name of schema.required ?? []) {
    if (root[name] === undefined) result.errors.push(required(name));
  }
  return result;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(value: unknown, schema: JsonSchema): boolean {
  if (schema['x-kubernetes-int-or-string'])
    return typeof value === 'string' || Number.isInteger(value);
  if (!schema.type) return true;
  const actual = typeName(value);
  if (schema.type === 'number') return actual === 'number' || actual === 'integer';
  return actual === schema.type;
}

function visit(value: unknown, schema: JsonSchema, path: string, result: SchemaResult): unknown {
  if (value === undefined)
    return schema.default === undefined ? undefined : structuredClone(schema.default);
  if (value === null) {
    if (schema.nullable) return null;
    if (schema.default !== undefined) return structuredClone(schema.default);
    result.errors.push(
      invalidValue(
        path,
        'null',
        `${path} in body must be of type ${schema.type ?? 'object'}: "null"`,
      ),
    );
    return value;
  }
  if (!typeMatches(value, schema)) {
    result.errors.push(
      invalidValue(
        path,
        typeName(value),
        `${path} in body must be of type ${schema.type}: "${typeName(value)}"`,
      ),
    );
    return value;
  }
  checkConstraints(value, schema, path, result);
  if (Array.isArray(value))
    return schema.items
      ? value.map((item, index) =>
          visit(item, schema.items as JsonSchema, `${path}[${index}]`, result),
        )
      : value;
  if (typeof value === 'object')
    return visitObject(value as Record<string, unknown>, schema, path, result);
  return value;
}

function visitObject(
  value: Record<string, unknown>,
  schema: JsonSchema,
  path: string,
  result: SchemaResult,
): Record<string, unknown> {
  const output: Record<string, unknown> = { ...value };
  const properties = schema.properties ?? {};
  for (const [key, propertySchema] of Object.entries(properties)) {
    const child = visit(value[key], propertySchema, `${path}.${key}`, result);
    if (child === undefined) delete output[key];
    else output[key] = child;
  }
  const additional = schema.additionalProperties;
  const embeddedKeys = schema['x-kubernetes-embedded-resource']
    ? ['apiVersion', 'kind', 'metadata']
    : [];
  for (const key of Object.keys(value)) {
    if (properties[key] || embeddedKeys.includes(key)) continue;
    if (typeof additional === 'object') {
      output[key] = visit(value[key], additional, `${path}.${key}`, result);
    } else if (additional !== true && !schema['x-kubernetes-preserve-unknown-fields']) {
      // A structural schema prunes every field it does not declare.
      result.unknownFields.push(`${path}.${key}`);
      delete output[key];
    }
  }
  for (const name of schema.required ?? []) {
    if (output[name] === undefined) result.errors.push(required(`${path}.${name}`));
  }
  return output;
}

function checkConstraints(
  value: unknown,
  schema: JsonSchema,
  path: string,
  result: SchemaResult,
): void {
  const fail = (detail: string): void => {
    result.errors.push(invalidValue(path, value, `${path} in body ${detail}`));
  };
  if (
    schema.enum &&
    !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))
  ) {
    result.errors.push(unsupportedValue(path, value, schema.enum.map(String)));
  }
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value))
      fail(`should match '${schema.pattern}'`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      fail(`should be at most ${schema.maxLength} chars long`);
    if (schema.minLength !== undefined && value.length < schema.minLength)
      fail(`should be at least ${schema.minLength} chars long`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      fail(`should be greater than or equal to ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      fail(`should be less than or equal to ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      fail(`should have at most ${schema.maxItems} items`);
    if (schema.minItems !== undefined && value.length < schema.minItems)
      fail(`should have at least ${schema.minItems} items`);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const count = Object.keys(value).length;
    if (schema.maxProperties !== undefined && count > schema.maxProperties)
      fail(`should have at most ${schema.maxProperties} properties`);
    if (schema.minProperties !== undefined && count < schema.minProperties)
      fail(`should have at least ${schema.minProperties} properties`);
  }
}
