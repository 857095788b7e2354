/**
 * The pod status the kubelet writes: phase, conditions and the container
 * status, in the shapes of core/v1 PodStatus.
 */
import type { V1ContainerState, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';
import type { ContainerConfigError } from './container-config.ts';
import type { ContainerState, PodRuntime } from './pod-runtime.ts';

export function podStatus(pod: V1Pod, runtime: PodRuntime, configError: ContainerConfigError | undefined, nodeIp: string, startTime: Date): V1PodStatus {
  const container = runtime.options.container;
  const state: ContainerState = configError
    ? { kind: 'waiting', reason: configError.reason, message: configError.message }
    : runtime.state;
  const running = state.kind === 'running';
  const ready = running && runtime.ready;
  const previous = pod.status?.conditions ?? [];
  const condition = (type: string, status: boolean, reason?: string): V1PodCondition => {
    const before = previous.find((entry) => entry.type === type);
    const value = status ? 'True' : 'False';
    return {
      type,
      status: value,
      lastTransitionTime: before && before.status === value ? before.lastTransitionTime : new Date(),
      ...(reason ? { reason } : {}),
    } as V1PodCondition;
  };
  const notReadyReason = ready ? undefined : 'ContainersNotReady';

  return {
    phase: running || runtime.restartCount > 0 || runtime.lastState ? 'Running' : 'Pending',
    hostIP: nodeIp,
    hostIPs: [{ ip: nodeIp }],
    podIP: runtime.podIp,
    podIPs: [{ ip: runtime.podIp }],
    startTime,
    qosClass: 'BestEffort',
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('Ready', ready, notReadyReason),
      condition('ContainersReady', ready, notReadyReason),
      condition('PodScheduled', true),
    ],
    containerStatuses: [
      {
        name: container.name,
        image: container.image ?? '',
        imageID: '',
        containerID: runtime.pid ? `lab://${runtime.pid}` : undefined,
        ready,
        started: running,
        restartCount: runtime.restartCount,
        state: containerState(state),
        lastState: runtime.lastState ? containerState(runtime.lastState) : {},
      },
    ],
  } as V1PodStatus;
}

function containerState(state: ContainerState): V1ContainerState {
  switch (state.kind) {
    case 'waiting':
      return { waiting: { reason: state.reason, ...(state.message ? { message: state.message } : {}) } };
    case 'running':
      return { running: { startedAt: state.startedAt } };
    case 'terminated':
      return {
        terminated: {
          exitCode: state.exitCode,
          reason: state.reason,
          ...(state.signal ? { signal: signalNumber(state.signal) } : {}),
          startedAt: state.startedAt,
          finishedAt: state.finishedAt,
        },
      };
  }
}

function signalNumber(signal: string): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 0;
}

/** What decides whether the status must be written again (times excluded). */
export function statusSignature(status: V1PodStatus): string {
  const container = status.containerStatuses?.[0];
  return JSON.stringify([
    status.phase,
    status.podIP,
    status.conditions?.map((condition) => [condition.type, condition.status]),
    container?.ready,
    container?.restartCount,
    container?.containerID,
    Object.keys(container?.state ?? {}),
    container?.state?.waiting?.reason,
    container?.state?.waiting?.message,
  ]);
}
