import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { loadRegistry } from '../../lab/cli/registry.ts';
import { SCHEMA_FILE, scenarioJsonSchema } from '../../lab/scenario/json-schema.ts';
import { PROJECT_ROOT } from '../cli/run-cli.ts';

// Importing every fault and probe takes tens of seconds on a loaded machine.
vi.setConfig({ testTimeout: 180_000 });

describe('scenarios/schema.json', () => {
  test('matches the schema and registered blocks', async () => {
    const published = readFileSync(path.join(PROJECT_ROOT, SCHEMA_FILE), 'utf8');
    const current = `${JSON.stringify(scenarioJsonSchema(await loadRegistry()), null, 2)}\n`;
    expect(published === current, `${SCHEMA_FILE} is out of date: run npm run schema`).toBe(true);
  });
});
