/**
 * Decoding of the few protobuf bodies kubectl 1.32 sends: `kubectl auth
 * can-i` (SelfSubjectAccessReview, SelfSubjectRulesReview), `kubectl create
 * token` (TokenRequest) and `kubectl auth whoami` (SelfSubjectReview). The
 * envelope is `k8s\0` plus a runtime.Unknown; field numbers come from the
 * `protobuf:` struct tags in k8s.io/api/authorization/v1/types.go and
 * authentication/v1/types.go. The answer is always JSON, which kubectl
 * accepts.
 */
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

/** Splits one message into its fields; repeated fields keep their order. */
function decodeMessage(buffer: Buffer): Message {
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
        throw badRequest('invalid protobuf body: field length past the end of the body');
      value = buffer.subarray(length.next, end);
      position = end;
    } else if (wireType === 1) {
      value = buffer.readBigUInt64LE(position);
      position += 8;
    } else if (wireType === 5) {
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

function text(message: Message, number: number): string | undefined {
  const value = message.get(number)?.[0];
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
}

function texts(message: Message, number: number): string[] {
  return (message.get(number) ?? []).filter(Buffer.isBuffer).map((value) => value.toString('utf8'));
}

function child(message: Message, number: number): Message | undefined {
  const value = message.get(number)?.[0];
  return Buffer.isBuffer(value) ? decodeMessage(value) : undefined;
}

function integer(message: Message, number: number): number | undefined {
  const value = message.get(number)?.[0];
  return typeof value === 'bigint' ? Number(BigInt.asIntN(64, value)) : undefined;
}

function compact<T extends Record<string, unknown>>(object: T): T {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}

function objectMeta(message: Message | undefined): Record<string, unknown> {
  if (!message) return {};
  return compact({
    name: text(message, 1),
    generateName: text(message, 2),
    namespace: text(message, 3),
  });
}

function resourceAttributes(message: Message | undefined): Record<string, unknown> | undefined {
  if (!message) return undefined;
  return compact({
    namespace: text(message, 1),
    verb: text(message, 2),
    group: text(message, 3),
    version: text(message, 4),
    resource: text(message, 5),
    subresource: text(message, 6),
    name: text(message, 7),
  });
}

function nonResourceAttributes(message: Message | undefined): Record<string, unknown> | undefined {
  if (!message) return undefined;
  return compact({ path: text(message, 1), verb: text(message, 2) });
}

function specOf(kind: string, spec: Message | undefined): Record<string, unknown> {
  if (!spec) return {};
  switch (kind) {
    case 'SelfSubjectAccessReview':
      return compact({
        resourceAttributes: resourceAttributes(child(spec, 1)),
        nonResourceAttributes: nonResourceAttributes(child(spec, 2)),
      });
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview':
      return compact({
        resourceAttributes: resourceAttributes(child(spec, 1)),
        nonResourceAttributes: nonResourceAttributes(child(spec, 2)),
        user: text(spec, 3),
        groups: texts(spec, 4),
        uid: text(spec, 6),
      });
    case 'SelfSubjectRulesReview':
      return compact({ namespace: text(spec, 1) });
    case 'TokenRequest': {
      const bound = child(spec, 3);
      return compact({
        audiences: texts(spec, 1),
        expirationSeconds: integer(spec, 4),
        boundObjectRef: bound
          ? compact({
              kind: text(bound, 1),
              apiVersion: text(bound, 2),
              name: text(bound, 3),
              uid: text(bound, 4),
            })
          : undefined,
      });
    }
    case 'TokenReview':
      return compact({ token: text(spec, 1), audiences: texts(spec, 2) });
    default:
      return {};
  }
}

/** Kinds whose protobuf bodies this server decodes. */
export const PROTOBUF_KINDS = [
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'SubjectAccessReview',
  'LocalSubjectAccessReview',
  'SelfSubjectReview',
  'TokenRequest',
  'TokenReview',
];

/** Decodes a `k8s\0`-prefixed protobuf body into the JSON object it stands for. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest(
      'invalid protobuf body: missing the k8s\\0 prefix of a Kubernetes protobuf envelope',
    );
  }
  const unknown = decodeMessage(body.subarray(MAGIC.length));
  const typeMeta = child(unknown, 1);
  const apiVersion = typeMeta ? text(typeMeta, 1) : undefined;
  const kind = typeMeta ? text(typeMeta, 2) : undefined;
  if (!kind || !PROTOBUF_KINDS.includes(kind)) {
    throw badRequest(
      `protobuf bodies are supported only for ${PROTOBUF_KINDS.join(', ')}; received kind ${kind ?? '(none)'}: send JSON instead`,
    );
  }
  const raw = unknown.get(2)?.[0];
  const object = Buffer.isBuffer(raw) ? decodeMessage(raw) : new Map<number, FieldValue[]>();
  return {
    apiVersion,
    kind,
    metadata: objectMeta(child(object, 1)),
    spec: specOf(kind, child(object, 2)),
  };
}
