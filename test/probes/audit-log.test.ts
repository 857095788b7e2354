import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../lab/core/redact.ts';
import { probes } from '../../lab/probes/index.ts';
import { newScenarioState, type ProbeContext } from '../../lab/probes/probe.ts';
import { usePlatform } from '../faults/platform.ts';

const platform = usePlatform();

async function check(params: Record<string, unknown>, probeContext: ProbeContext) {
  const probe = probes['audit-log']!;
  return probe.check(probeContext, probe.schema.parse(params));
}

describe('audit-log probe', () => {
  it('counts entries in singular and plural', async () => {
    const { clients, folder } = platform.current;
    // The secret is written before the audit device is enabled, so only the reads below are logged.
    await clients.vault.write('secret/data/basecamp/audit-probe', { data: { key: 'value' } });
    // The emulator writes the file audit device's lines to file_path, as Vault's file device does.
    await clients.vault.write('sys/audit/file', {
      type: 'file',
      options: { file_path: path.join(folder, 'audit.log') },
    });
    const probeContext: ProbeContext = {
      clients,
      state: newScenarioState(),
      redactor: new Redactor(),
    };
    probeContext.state.scenarioStartedAt = new Date(Date.now() - 1000);
    const secretPath = 'secret/data/basecamp/audit-probe';

    expect(await check({ path: 'secret/data/basecamp/never-read' }, probeContext)).toEqual({
      ok: false,
      message: '0 audit entries for secret/data/basecamp/never-read since the scenario started',
      value: 0,
    });

    await clients.vault.read(secretPath);
    expect(await check({ path: secretPath }, probeContext)).toEqual({
      ok: true,
      message: `1 audit entry for ${secretPath} since the scenario started`,
      value: 1,
    });

    await clients.vault.read(secretPath);
    expect(await check({ path: secretPath }, probeContext)).toEqual({
      ok: true,
      message: `2 audit entries for ${secretPath} since the scenario started`,
      value: 2,
    });
  });
});
