/**
 * Typed reads of request fields with Vault's weak typing (sdk/framework
 * field_data.go): strings may stand for numbers and booleans, and a list may
 * arrive as a comma-separated string. A wrong type is a 400 that names the
 * field and the value received.
 */
import { parseDurationSeconds } from './duration.ts';
import { badRequest } from './errors.ts';

type Body = Record<string, unknown>;

function conversionError(field: string, value: unknown, expected: string): Error {
  const shown =
    typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return badRequest(`error converting input ${shown} for field "${field}": expected ${expected}`);
}

export function stringField(body: Body, field: string, fallback = ''): string {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw conversionError(field, value, 'a string');
}

export function intField(body: Body, field: string, fallback = 0): number {
  const value = body[field];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number.parseInt(value, 10);
  throw conversionError(field, value, 'an integer');
}

export function boolField(body: Body, field: string, fallback: boolean): boolean {
  const value = body[field];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  throw conversionError(field, value, 'a boolean');
}

export function durationField(body: Body, field: string, fallback = 0): number {
  const value = body[field];
  if (value === undefined || value === null || value === '') return fallback;
  return parseDurationSeconds(field, value);
}

/** Reads a list of strings from an array or a comma-separated string; trims and drops empty items. */
export function stringListField(body: Body, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items)) throw conversionError(field, value, 'a list of strings');
  return items
    .map((item) => {
      if (typeof item !== 'string') throw conversionError(field, value, 'a list of strings');
      return item.trim();
    })
    .filter((item) => item !== '');
}

export function stringMapField(body: Body, field: string): Record<string, string> | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw conversionError(field, value, 'a map of strings');
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    // Weak decoding, as mapstructure does for Vault: numbers and booleans become strings.
    if (typeof item === 'number' || typeof item === 'boolean') result[key] = String(item);
    else if (typeof item === 'string') result[key] = item;
    else throw conversionError(field, value, 'a map of strings');
  }
  return result;
}
