import { describe, expect, test } from 'vitest';
import { scenarioJsonSchema } from '../../lab/scenario/json-schema.ts';
import { emptyRegistry } from '../../lab/scenario/registry.ts';
import { testRegistry } from './registry.fixture.ts';

type Schema = Record<string, unknown> & {
  properties: Record<string, Record<string, unknown>>;
  definitions: Record<string, { anyOf?: Array<Record<string, unknown>>; required?: string[] }>;
};

describe('scenario JSON Schema', () => {
  test('top level is draft 7 and strict', () => {
    const schema = scenarioJsonSchema(testRegistry) as Schema;
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual([
      'apiVersion',
      'kind',
      'name',
      'title',
      'description',
      'runbook',
    ]);
    expect(schema.properties.apiVersion!.const).toBe('basecamp-lab/v1');
  });

  test('blocks become choices by name', () => {
    const schema = scenarioJsonSchema(testRegistry) as Schema;
    const probe = schema.definitions.probe!.anyOf![0]!;
    expect(probe.required).toEqual(['probe']);
    expect((probe.properties as Record<string, unknown>).probe).toEqual({
      const: 'externalsecret-ready',
    });
    expect(probe.additionalProperties).toBe(false);

    const fault = schema.definitions.fault!.anyOf![0]!;
    expect((fault.properties as Record<string, unknown>).variant).toEqual({
      type: 'string',
      enum: ['revoked', 'expired'],
    });
    expect(fault.required).toEqual(['type', 'target']);
  });

  test('empty registry keeps loose blocks', () => {
    const schema = scenarioJsonSchema(emptyRegistry()) as Schema;
    expect(schema.definitions.probe!.anyOf).toBeUndefined();
    expect(schema.definitions.probe!.required).toEqual(['probe']);
  });
});
