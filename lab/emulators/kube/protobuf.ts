/**
 * Decoding of the protobuf bodies kubectl 1.32 sends from its typed clients
 * (`kubectl create namespace|secret|serviceaccount|...`, `auth can-i`,
 * `create token`, `auth whoami`). The envelope is `k8s\0` plus a
 * runtime.Unknown (typeMeta = 1, raw = 2). The raw object is decoded with
 * the field numbers in protobuf-schema.ts. Answers are always JSON, which
 * kubectl accepts. NOTE: fields missing from the schema are dropped.
 */
import { type FieldSpec, MESSAGES, PROTOBUF_KINDS } from './protobuf-schema.ts';
import { badRequest } from './status.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type FieldValue = Buffer | bigint;
type Message = Map<number, FieldValue[]>;

function readVarint(buffer: Buffer, start: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  let position = start;
  while (position < buffer.length) {
    const byte = buffer[position] as number;
    position += 1;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: position };
    shift += 7n;
    if (shift > 63n) break;
  }
  throw badRequest('invalid protobuf body: truncated varint');
}

/** Splits one message into its fields. Repeated fields keep their order. */
function splitFields(buffer: Buffer): Message {
  const fields: Message = new Map();
  let position = 0;
  while (position < buffer.length) {
    const tag = readVarint(buffer, position);
    position = tag.next;
    const number = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    let value: FieldValue;
    if (wireType === 0) {
      const varint = readVarint(buffer, position);
      value = varint.value;
      position = varint.next;
    } else if (wireType === 2) {
      const length = readVarint(buffer, position);
      const end = length.next + Number(length.value);
      if (end > buffer.length)
        throw badRequest('invalid protobuf body: a field runs past the end of the body');
      value = buffer.subarray(length.next, end);
      position = end;
    } else if (wireType === 1 && position + 8 <= buffer.length) {
      value = buffer.readBigUInt64LE(position);
      position += 8;
    } else if (wireType === 5 && position + 4 <= buffer.length) {
      value = BigInt(buffer.readUInt32LE(position));
      position += 4;
    } else {
      throw badRequest(`invalid protobuf body: unsupported wire type ${wireType}`);
    }
    const list = fields.get(number) ?? [];
    list.push(value);
    fields.set(number, list);
  }
  return fields;
}

function scalar(value: FieldValue, spec: FieldSpec): unknown {
  switch (spec.type) {
    case 'string':
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    case 'bytes':
      return Buffer.isBuffer(value) ? value.toString('base64') : '';
    case 'int':
      return typeof value === 'bigint' ? Number(BigInt.asIntN(64, value)) : 0;
    case 'bool':
      return value === 1n;
    case 'time': {
      if (!Buffer.isBuffer(value)) return undefined;
      const seconds = splitFields(value).get(1)?.[0];
      const date = new Date(
        Number(typeof seconds === 'bigint' ? BigInt.asIntN(64, seconds) : 0n) * 1000,
      );
      return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'intOrString': {
      if (!Buffer.isBuffer(value)) return undefined;
      const fields = splitFields(value);
      const type = fields.get(1)?.[0];
      if (type === 1n) {
        const text = fields.get(3)?.[0];
        return Buffer.isBuffer(text) ? text.toString('utf8') : '';
      }
      const number = fields.get(2)?.[0];
      return typeof number === 'bigint' ? Number(BigInt.asIntN(64, number)) : 0;
    }
    case 'quantity': {
      if (!Buffer.isBuffer(value)) return undefined;
      const text = splitFields(value).get(1)?.[0];
      return Buffer.isBuffer(text) ? text.toString('utf8') : '';
    }
    default:
      return undefined;
  }
}

function decodeMap(
  entries: FieldValue[],
  valueType: FieldSpec['mapValue'],
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const entry of entries) {
    if (!Buffer.isBuffer(entry)) continue;
    const fields = splitFields(entry);
    const key = fields.get(1)?.[0];
    const value = fields.get(2)?.[0] ?? Buffer.alloc(0);
    const type = valueType === 'bytes' ? 'bytes' : valueType === 'quantity' ? 'quantity' : 'string';
    result[Buffer.isBuffer(key) ? key.toString('utf8') : ''] = scalar(value, { name: '', type });
  }
  return result;
}

/** Decodes a message into JSON with the schema named `messageName`. */
function decodeMessage(buffer: Buffer, messageName: string): Record<string, unknown> {
  const schema = MESSAGES[messageName] ?? {};
  const result: Record<string, unknown> = {};
  for (const [number, values] of splitFields(buffer)) {
    const spec = schema[number];
    if (!spec) continue;
    if (spec.type === 'map') {
      result[spec.name] = decodeMap(values, spec.mapValue);
      continue;
    }
    if (spec.type === 'embedded') {
      for (const value of values)
        if (Buffer.isBuffer(value)) Object.assign(result, decodeMessage(value, spec.message ?? ''));
      continue;
    }
    const decoded = values.map((value) =>
      spec.type === 'message'
        ? Buffer.isBuffer(value)
          ? decodeMessage(value, spec.message ?? '')
          : {}
        : scalar(value, spec),
    );
    if (spec.repeated) {
      result[spec.name] = decoded;
      continue;
    }
    // Go's generated marshallers write zero values that JSON would omit (omitempty), so drop them.
    const value = decoded.at(-1);
    if (!spec.keepZero && (value === '' || value === 0 || value === false || value === undefined))
      continue;
    result[spec.name] = value;
  }
  return result;
}

/** Decodes a `k8s\0`-prefixed protobuf body into the JSON object it carries. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest(
      'invalid protobuf body: missing the k8s\\0 prefix of a Kubernetes protobuf envelope',
    );
  }
  const unknown = splitFields(body.subarray(MAGIC.length));
  const typeMetaBytes = unknown.get(1)?.[0];
  const typeMeta = Buffer.isBuffer(typeMetaBytes)
    ? splitFields(typeMetaBytes)
    : new Map<number, FieldValue[]>();
  const text = (number: number): string | undefined => {
    const value = typeMeta.get(number)?.[0];
    return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
  };
  const apiVersion = text(1);
  const kind = text(2);
  if (!kind || !PROTOBUF_KINDS.includes(kind)) {
    throw badRequest(
      `protobuf bodies are supported only for ${PROTOBUF_KINDS.join(', ')}; received kind ${kind ?? '(none)'}: send JSON instead`,
    );
  }
  const raw = unknown.get(2)?.[0];
  const object = Buffer.isBuffer(raw) ? decodeMessage(raw, kind) : {};
  return { apiVersion, kind, ...object, metadata: object.metadata ?? {} };
}
