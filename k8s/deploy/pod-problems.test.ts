import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { findPodProblem } from './pod-problems.js';

function event(pod: string, reason: string, message: string, atIso: string, type = 'Warning'): CoreV1Event {
  return { metadata: {}, involvedObject: { kind: 'Pod', name: pod }, reason, message, type, lastTimestamp: new Date(atIso) };
}

describe('findPodProblem', () => {
  it('explains a Pending pod with the pickNewest scheduler event', () => {
    const pod: V1Pod = {
      metadata: { name: 'cassandra-1' },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'old text' }] },
    };
    const events = [
      event('cassandra-1', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient memory.', '2026-01-01T10:00:05Z'),
      event('cassandra-1', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.', '2026-01-01T10:00:00Z'),
      event('cassandra-2', 'FailedScheduling', 'someone else', '2026-01-01T10:00:09Z'),
    ];
    expect(findPodProblem(pod, events)?.summary).toBe(
      'pod cassandra-1 is Pending, not scheduled: 0/3 nodes are available: 3 Insufficient memory.',
    );
  });

  it('names the crash-looping container and asks for its previous log', () => {
    const pod: V1Pod = {
      metadata: { name: 'digits-5d9-abc' },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'digits', image: 'mnist-k8s:local', imageID: '', ready: false, restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
    };
    expect(findPodProblem(pod, [])).toEqual({
      summary: 'container digits of pod digits-5d9-abc is crash-looping: restarted 4 times; last exit code 1 (Error)',
      logs: { container: 'digits', previous: true },
    });
  });

  it('reports a container that exited with an error in a failed Job pod', () => {
    const pod: V1Pod = {
      metadata: { name: 'keyspace-bootstrap-x1' },
      status: {
        phase: 'Failed',
        containerStatuses: [
          { name: 'bootstrap', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error', message: 'auth failed' } } },
        ],
      },
    };
    expect(findPodProblem(pod, [])).toEqual({
      summary: 'container bootstrap of pod keyspace-bootstrap-x1 exited with code 1 (Error: auth failed)',
      logs: { container: 'bootstrap', previous: false },
    });
  });

  it('says when an image cannot be pulled', () => {
    const pod: V1Pod = {
      metadata: { name: 'digits-1' },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: [
          { name: 'digits', image: 'nope:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' } } },
        ],
      },
    };
    expect(findPodProblem(pod, [])?.summary).toBe('container digits of pod digits-1 cannot pull image nope:1: ImagePullBackOff: Back-off pulling image "nope:1"');
    expect(findPodProblem(pod, [])?.pullFailure).toBe(true);
  });

  it('explains a running pod that is not ready by its readiness probe event', () => {
    const pod: V1Pod = {
      metadata: { name: 'cassandra-0' },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] },
    };
    const events = [event('cassandra-0', 'Unhealthy', 'Readiness probe failed: nodetool: connection refused', '2026-01-01T10:00:00Z')];
    expect(findPodProblem(pod, events)?.summary).toBe(
      'pod cassandra-0 is Running but not Ready: Unhealthy: Readiness probe failed: nodetool: connection refused',
    );
  });

  it('finds nothing wrong with a ready pod', () => {
    const pod: V1Pod = {
      metadata: { name: 'digits-1' },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'digits', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } }],
      },
    };
    expect(findPodProblem(pod, [])).toBeNull();
  });
});
