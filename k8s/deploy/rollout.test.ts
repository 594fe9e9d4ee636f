import type { V1Deployment, V1Job, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { measureDeployment, measureJob, measureStatefulSet } from './rollout.js';

describe('measureStatefulSet', () => {
  it('is done when every replica is ready on the current revision', () => {
    const sts: V1StatefulSet = {
      metadata: { generation: 2 },
      spec: { replicas: 3, selector: {}, serviceName: 'cassandra', template: {} },
      status: { replicas: 3, readyReplicas: 3, updatedReplicas: 3, observedGeneration: 2, currentRevision: 'r2', updateRevision: 'r2' },
    };
    expect(measureStatefulSet(sts)).toMatchObject({ ready: 3, desired: 3, done: true });
  });

  it('counts ready nodes while the ring comes up', () => {
    const sts: V1StatefulSet = {
      metadata: { generation: 1 },
      spec: { replicas: 3, selector: {}, serviceName: 'cassandra', template: {} },
      status: { replicas: 2, readyReplicas: 1, updatedReplicas: 2, observedGeneration: 1 },
    };
    expect(measureStatefulSet(sts)).toMatchObject({ ready: 1, desired: 3, done: false });
  });

  it('is not done before the controller has seen the new generation', () => {
    const sts: V1StatefulSet = {
      metadata: { generation: 3 },
      spec: { replicas: 1, selector: {}, serviceName: 'cassandra', template: {} },
      status: { replicas: 1, readyReplicas: 1, updatedReplicas: 1, observedGeneration: 2 },
    };
    expect(measureStatefulSet(sts).done).toBe(false);
  });
});

describe('measureDeployment', () => {
  it('waits while old pods of the previous image are still running', () => {
    const deployment: V1Deployment = {
      metadata: { generation: 4 },
      spec: { replicas: 2, selector: {}, template: {} },
      status: { observedGeneration: 4, replicas: 3, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 },
    };
    expect(measureDeployment(deployment)).toMatchObject({ ready: 2, desired: 2, done: false, detail: '1 old pod still running' });
  });

  it('reports a stalled rollout as failed with the controller message', () => {
    const deployment: V1Deployment = {
      metadata: { generation: 1 },
      spec: { replicas: 2, selector: {}, template: {} },
      status: {
        observedGeneration: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "digits-1" has timed out progressing.' }],
      },
    };
    expect(measureDeployment(deployment).failed).toBe('rollout stalled: ReplicaSet "digits-1" has timed out progressing.');
  });

  it('is done when all replicas are updated and available', () => {
    const deployment: V1Deployment = {
      metadata: { generation: 1 },
      spec: { replicas: 2, selector: {}, template: {} },
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
    };
    expect(measureDeployment(deployment)).toMatchObject({ ready: 2, done: true, failed: undefined });
  });
});

describe('measureJob', () => {
  it('is done on the Complete condition and failed on the Failed one', () => {
    const complete: V1Job = { spec: { template: {} }, status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } };
    const failed: V1Job = {
      spec: { template: {} },
      status: { failed: 7, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] },
    };
    expect(measureJob(complete)).toMatchObject({ done: true, ready: 1, desired: 1 });
    expect(measureJob(failed)).toMatchObject({ done: false, failed: 'BackoffLimitExceeded: Job has reached the specified backoff limit' });
  });
});
