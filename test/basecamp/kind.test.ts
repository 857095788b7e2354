import { describe, expect, it } from 'vitest';
import { kindPlan, missingTools, REQUIRED_TOOLS } from '../../lab/basecamp/kind.ts';

describe('kindPlan', () => {
  const plan = kindPlan({ stateDir: '/state' });

  it('maps NodePort 30080 to loopback', () => {
    const nodes = plan.clusterConfig.nodes as Array<{ extraPortMappings: Array<{ containerPort: number; hostPort: number; listenAddress: string }> }>;
    expect(nodes[0]?.extraPortMappings[0]).toEqual({ containerPort: 30080, hostPort: 30080, listenAddress: '127.0.0.1', protocol: 'TCP' });
  });

  it('creates the cluster first', () => {
    expect(plan.commands[0]?.program).toBe('kind');
    expect(plan.commands[0]?.args).toEqual(['create', 'cluster', '--name', 'basecamp-lab', '--config', '/state/kind-cluster.yaml', '--kubeconfig', '/state/kubeconfig', '--wait', '120s']);
  });

  it('installs Vault and ESO with pinned charts', () => {
    const installs = plan.commands.filter((command) => command.args.includes('--install'));
    expect(installs.map((command) => command.args.slice(3, 8))).toEqual([
      ['--install', 'vault', 'hashicorp/vault', '--version', '0.30.0'],
      ['--install', 'external-secrets', 'external-secrets/external-secrets', '--version', '0.17.0'],
    ]);
  });

  it('applies the same manifests as the embedded basecamp', () => {
    const files = plan.commands.filter((command) => command.program === 'kubectl').flatMap((command) => command.args.filter((arg) => arg.endsWith('.yaml')));
    expect(files.map((file) => file.split('/').at(-1))).toEqual(['00-namespaces.yaml', '10-vault-rbac.yaml', '20-external-secrets-rbac.yaml', '50-network-policies.yaml']);
  });

  it('points every kubectl and helm call at the lab kubeconfig', () => {
    for (const command of plan.commands.filter((entry) => entry.program !== 'kind')) {
      expect(command.args.slice(0, 2)).toEqual(['--kubeconfig', '/state/kubeconfig']);
    }
  });
});

describe('missingTools', () => {
  it('names tools not on PATH', async () => {
    expect(await missingTools(['sh', 'no-such-tool-basecamp-lab'])).toEqual(['no-such-tool-basecamp-lab']);
  });

  it('checks docker, kind, kubectl and helm', () => {
    expect(REQUIRED_TOOLS).toEqual(['docker', 'kind', 'kubectl', 'helm']);
  });
});

// The kind basecamp end to end needs a Docker engine, which this machine does not have.
describe.skipIf(process.env.LAB_KIND_E2E !== '1')('kind basecamp end to end (set LAB_KIND_E2E=1 with Docker, kind and helm)', () => {
  it('brings the cluster up', async () => {
    expect(await missingTools()).toEqual([]);
  });
});
