/**
 * Propagation of a static-role rotation on the embedded basecamp with the
 * kubelet's volume sync delay at 0: the delay from `rotation-started` to each
 * later event, for three rotations in a row under 20 requests/s. Target: the
 * service responds with the new credential within 2 s.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInProcess } from '../../lab/basecamp/embedded/index.ts';
import { openClients } from '../../lab/clients/index.ts';
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';
import { EventBus } from '../../lab/core/events.ts';
import { Redactor } from '../../lab/core/redact.ts';
import { resolveLoadProfile, runLoad } from '../../lab/load/index.ts';
import { judgeRotation, ROTATION_WINDOWS, runRotation } from '../../lab/rotation/index.ts';
import type { PropagationEventName } from '../../lab/run/record.ts';

const ROTATIONS = 3;
const EVENTS: PropagationEventName[] = [
  'vault-rotated',
  'secret-updated',
  'file-visible',
  'new-credential-served',
  'old-credential-rejected',
];

export const benchmark: Benchmark = {
  id: 'rotation-propagation',
  async run(): Promise<BenchTable[]> {
    const stateDir = await mkdtemp(join(tmpdir(), 'lab-bench-rotation-'));
    await chmod(stateDir, 0o711);
    const basecamp = await startInProcess({ stateDir, log: () => {}, volumeSyncDelayMs: 0 });
    const clients = await openClients(basecamp.endpoints);
    const redactor = new Redactor();
    const events = new EventBus('bench', redactor);
    const rows: Array<Array<string | number>> = [];
    try {
      for (let i = 1; i <= ROTATIONS; i += 1) {
        const profile = resolveLoadProfile(
          { path: '/items', rate: 20, duration: '20s', timeout: '2s' },
          basecamp.endpoints.serviceUrl,
        );
        const load = await runLoad(profile, { engine: 'builtin' });
        load.mark(ROTATION_WINDOWS.before);
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const record = await runRotation(
          'vault-static-role',
          {},
          { clients, redactor, events, load },
        );
        load.stop();
        const judged = judgeRotation(record, await load.done());
        const delays = EVENTS.map(
          (name) => record.propagation.find((event) => event.name === name)?.afterMs ?? '-',
        );
        const during = judged.zeroDowntime ? 0 : judged.verdict;
        rows.push([i, ...delays, during]);
      }
    } finally {
      await clients.close();
      await basecamp.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
    return [
      {
        id: 'rotation-propagation',
        title: 'Static-role rotation propagation, kubelet sync delay 0',
        description: `Milliseconds from rotation-started to each event of a vault-static-role rotation on the embedded basecamp (volumeSyncDelayMs 0), ${ROTATIONS} rotations in a row under 20 requests/s. Target: new-credential-served under 2000 ms.`,
        columns: ['rotation', ...EVENTS, 'failed requests or verdict'],
        rows,
      },
    ];
  },
};
