import { describe, expect, test, vi } from 'vitest';
import { loadRegistry } from '../../lab/cli/registry.ts';
import { loadScenarios } from '../../lab/scenario/loader.ts';
import { formatProblem } from '../../lab/scenario/problem.ts';
import { PROJECT_ROOT } from '../cli/run-cli.ts';

// Importing every fault and probe takes tens of seconds on a loaded machine.
vi.setConfig({ testTimeout: 180_000 });

describe('shipped scenarios', () => {
  test('validate against the real registry', async () => {
    const result = await loadScenarios(['scenarios'], {
      root: PROJECT_ROOT,
      registry: await loadRegistry(),
    });

    expect(result.problems.map(formatProblem)).toEqual([]);
    const faults = new Set(result.scenarios.map((loaded) => loaded.scenario.fault?.type));
    for (const fault of [
      'vault-token-expired',
      'rbac-missing',
      'wrong-path',
      'netpol-blocks-eso',
    ]) {
      expect(faults.has(fault), `a scenario with fault ${fault}`).toBe(true);
    }
    const underLoad = result.scenarios.filter(
      (loaded) => loaded.scenario.rotation && loaded.scenario.load,
    );
    expect(underLoad.length).toBeGreaterThan(0);
  });
});
