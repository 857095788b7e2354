/**
 * Validation of the built-in kinds: name rules and required fields, with the
 * field paths and messages of k8s.io/apimachinery/pkg/util/validation and
 * pkg/apis/core/validation/validation.go. Errors are collected, not thrown,
 * so one 422 lists every cause.
 */
import type { FieldError } from './status.ts';
import type { KubeObject } from './types.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Secrets and ConfigMaps hold at most 1 MiB of data (core/validation MaxSecretSize). */
export const MAX_DATA_BYTES = 1024 * 1024;

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path';

/** The name rule of each kind. Kinds not listed use DNS-1123 subdomains. */
const NAME_RULES: Record<string, NameRule> = {
  Namespace: 'label',
  Service: 'dns1035',
  Role: 'path',
  ClusterRole: 'path',
  RoleBinding: 'path',
  ClusterRoleBinding: 'path',
};

export function required(field: string): FieldError {
  return { field, type: 'FieldValueRequired', message: 'Required value' };
}

export function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return {
    field,
    type: 'FieldValueInvalid',
    message: `Invalid value: ${formatValue(value)}: ${detail}`,
  };
}

export function forbiddenField(field: string, detail: string): FieldError {
  return { field, type: 'FieldValueForbidden', message: `Forbidden: ${detail}` };
}

export function unsupportedValue(field: string, value: unknown, supported: string[]): FieldError {
  const list = supported.map((item) => `"${item}"`).join(', ');
  return {
    field,
    type: 'FieldValueNotSupported',
    message: `Unsupported value: ${formatValue(value)}: supported values: ${list}`,
  };
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Checks a name against a rule and returns the messages, as validation.IsDNS1123Subdomain does. */
export function checkName(name: string, rule: NameRule): string[] {
  const problems: string[] = [];
  switch (rule) {
    case 'subdomain':
      if (name.length > 253) problems.push('must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN.test(name)) problems.push(SUBDOMAIN_MESSAGE);
      break;
    case 'label':
      if (name.length > 63) problems.push('must be no more than 63 characters');
      if (!DNS1123_LABEL.test(name)) problems.push(LABEL_MESSAGE);
      break;
    case 'dns1035':
      if (name.length > 63) problems.push('must be no more than 63 characters');
      if (!DNS1035_LABEL.test(name)) problems.push(DNS1035_MESSAGE);
      break;
    case 'path':
      if (name === '.' || name === '..') problems.push(`may not be '${name}'`);
      if (name.includes('/')) problems.push("may not contain '/'");
      if (name.includes('%')) problems.push("may not contain '%'");
      break;
  }
  return problems;
}

export function nameRuleOf(kind: string, custom: boolean): NameRule {
  return custom ? 'subdomain' : (NAME_RULES[kind] ?? 'subdomain');
}

/** Validates metadata: name, labels and annotations. */
export function validateMetadata(object: KubeObject, rule: NameRule): FieldError[] {
  const errors: FieldError[] = [];
  const name = object.metadata.name ?? '';
  if (!name) {
    errors.push({
      field: 'metadata.name',
      type: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
    });
  } else {
    for (const problem of checkName(name, rule))
      errors.push(invalidValue('metadata.name', name, problem));
  }
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    if (!isQualifiedName(key))
      errors.push(
        invalidValue(
          'metadata.labels',
          key,
          "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        ),
      );
    if (typeof value !== 'string') {
      errors.push(invalidValue(`metadata.labels`, value, 'label values must be strings'));
    } else if (value.length > 63 || !LABEL_VALUE.test(value)) {
      errors.push(
        invalidValue(
          'metadata.labels',
          value,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, and must be no more than 63 characters",
        ),
      );
    }
  }
  for (const [key, value] of Object.entries(object.metadata.annotations ?? {})) {
    if (typeof value !== 'string')
      errors.push(invalidValue(`metadata.annotations`, key, 'annotation values must be strings'));
  }
  return errors;
}

function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? '' : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}

function field<T>(object: unknown, ...path: string[]): T | undefined {
  let current: unknown = object;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current as T | undefined;
}

function validateDataMap(data: unknown, path: string, base64: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (data === undefined || data === null) return errors;
  if (typeof data !== 'object' || Array.isArray(data))
    return [invalidValue(path, data, 'must be a map of string keys to string values')];
  let total = 0;
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!CONFIG_KEY.test(key) || key.length > 253) {
      errors.push(
        invalidValue(
          `${path}[${key}]`,
          key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
    }
    if (typeof value !== 'string') {
      errors.push(invalidValue(`${path}[${key}]`, value, 'must be a string'));
      continue;
    }
    if (base64 && !BASE64.test(value)) {
      errors.push(
        invalidValue(
          `${path}[${key}]`,
          '<value omitted>',
          'illegal base64 data: the value must be base64 encoded',
        ),
      );
    }
    total += base64 ? Buffer.byteLength(value, 'base64') : Buffer.byteLength(value);
  }
  if (total > MAX_DATA_BYTES)
    errors.push({
      field: path,
      type: 'FieldValueTooLong',
      message: `Too long: must have at most ${MAX_DATA_BYTES} bytes`,
    });
  return errors;
}

function validateContainers(spec: unknown, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const containers = field<unknown>(spec, 'containers');
  if (!Array.isArray(containers) || containers.length === 0)
    return [required(`${path}.containers`)];
  const names = new Set<string>();
  containers.forEach((container, index) => {
    const at = `${path}.containers[${index}]`;
    const name = field<string>(container, 'name');
    if (!name) errors.push(required(`${at}.name`));
    else {
      for (const problem of checkName(name, 'label'))
        errors.push(invalidValue(`${at}.name`, name, problem));
      if (names.has(name))
        errors.push({
          field: `${at}.name`,
          type: 'FieldValueDuplicate',
          message: `Duplicate value: ${JSON.stringify(name)}`,
        });
      names.add(name);
    }
    if (!field<string>(container, 'image')) errors.push(required(`${at}.image`));
    const env = field<unknown>(container, 'env');
    if (Array.isArray(env)) {
      env.forEach((variable, envIndex) => {
        if (!field<string>(variable, 'name')) errors.push(required(`${at}.env[${envIndex}].name`));
      });
    }
  });
  return errors;
}

function validatePodTemplate(object: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const selector = field<{ matchLabels?: Record<string, string> }>(object, 'spec', 'selector');
  const templateLabels =
    field<Record<string, string>>(object, 'spec', 'template', 'metadata', 'labels') ?? {};
  if (
    !selector ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 && !field(selector, 'matchExpressions'))
  ) {
    errors.push(required('spec.selector'));
  } else {
    const mismatch = Object.entries(selector.matchLabels ?? {}).some(
      ([key, value]) => templateLabels[key] !== value,
    );
    if (mismatch)
      errors.push(
        invalidValue(
          'spec.template.metadata.labels',
          templateLabels,
          '`selector` does not match template `labels`',
        ),
      );
  }
  const replicas = field<number>(object, 'spec', 'replicas');
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
    errors.push(invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0'));
  }
  errors.push(
    ...validateContainers(field(object, 'spec', 'template', 'spec'), 'spec.template.spec'),
  );
  return errors;
}

function validateService(object: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const type = field<string>(object, 'spec', 'type') ?? 'ClusterIP';
  const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (!types.includes(type)) errors.push(unsupportedValue('spec.type', type, types));
  const ports = field<unknown[]>(object, 'spec', 'ports') ?? [];
  if (
    ports.length === 0 &&
    type !== 'ExternalName' &&
    field<string>(object, 'spec', 'clusterIP') !== 'None'
  ) {
    errors.push(required('spec.ports'));
  }
  ports.forEach((port, index) => {
    const number = field<number>(port, 'port');
    if (!Number.isInteger(number) || (number as number) < 1 || (number as number) > 65535) {
      errors.push(
        invalidValue(
          `spec.ports[${index}].port`,
          number ?? 0,
          'must be between 1 and 65535, inclusive',
        ),
      );
    }
    if (ports.length > 1 && !field<string>(port, 'name'))
      errors.push(required(`spec.ports[${index}].name`));
  });
  return errors;
}

function validateBinding(object: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const roleRef = field<{ kind?: string; name?: string }>(object, 'roleRef');
  if (!roleRef?.name) errors.push(required('roleRef.name'));
  const kinds = object.kind === 'RoleBinding' ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!roleRef?.kind || !kinds.includes(roleRef.kind))
    errors.push(unsupportedValue('roleRef.kind', roleRef?.kind ?? '', kinds));
  (field<unknown[]>(object, 'subjects') ?? []).forEach((subject, index) => {
    const kind = field<string>(subject, 'kind') ?? '';
    if (!['User', 'Group', 'ServiceAccount'].includes(kind)) {
      errors.push(
        unsupportedValue(`subjects[${index}].kind`, kind, ['Group', 'ServiceAccount', 'User']),
      );
    }
    if (!field<string>(subject, 'name')) errors.push(required(`subjects[${index}].name`));
    if (
      kind === 'ServiceAccount' &&
      object.kind === 'ClusterRoleBinding' &&
      !field<string>(subject, 'namespace')
    ) {
      errors.push(required(`subjects[${index}].namespace`));
    }
  });
  return errors;
}

/** Validates the kind-specific fields of a built-in object (after defaults). */
export function validateBuiltin(object: KubeObject): FieldError[] {
  switch (object.kind) {
    case 'Secret':
      return validateDataMap(object.data, 'data', true);
    case 'ConfigMap':
      return [
        ...validateDataMap(object.data, 'data', false),
        ...validateDataMap(object.binaryData, 'binaryData', true),
      ];
    case 'Pod':
      return validateContainers(object.spec, 'spec');
    case 'Deployment':
    case 'ReplicaSet':
      return validatePodTemplate(object);
    case 'Service':
      return validateService(object);
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return validateBinding(object);
    case 'Event':
      return field<string>(object, 'involvedObject', 'name') === undefined
        ? [required('involvedObject.name')]
        : [];
    default:
      return [];
  }
}

/** Fields an update may not change, with the messages of ValidateObjectMetaUpdate and the kind validators. */
export function validateBuiltinUpdate(object: KubeObject, old: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if ((object.kind === 'Secret' || object.kind === 'ConfigMap') && old.immutable === true) {
    if (object.immutable !== true)
      errors.push(forbiddenField('immutable', 'field is immutable when `immutable` is set'));
    if (!same(object.data, old.data))
      errors.push(forbiddenField('data', 'field is immutable when `immutable` is set'));
    if (object.kind === 'ConfigMap' && !same(object.binaryData, old.binaryData)) {
      errors.push(forbiddenField('binaryData', 'field is immutable when `immutable` is set'));
    }
  }
  if (object.kind === 'Secret' && (object.type ?? 'Opaque') !== (old.type ?? 'Opaque')) {
    errors.push(invalidValue('type', object.type, 'field is immutable'));
  }
  if (
    (object.kind === 'Deployment' || object.kind === 'ReplicaSet') &&
    !same(field(object, 'spec', 'selector'), field(old, 'spec', 'selector'))
  ) {
    errors.push(
      invalidValue('spec.selector', field(object, 'spec', 'selector'), 'field is immutable'),
    );
  }
  if (
    (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') &&
    !same(object.roleRef, old.roleRef)
  ) {
    errors.push(invalidValue('roleRef', object.roleRef, 'cannot change roleRef'));
  }
  return errors;
}
