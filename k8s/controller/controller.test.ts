import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCluster } from '../test/controller/fake-cluster.js';
import { DigitModelController, type LogEvent } from './controller.js';
import { LeaderElector } from './leader-election.js';

const JOBS = { image: 'mnist-k8s:test', configMapName: 'digits-config', appSecretName: 'cassandra-app' };
/**
 * Leases that only a release hands over in these tests: a 200 ms renew deadline let a slow
 * moment of a loaded machine leave no leader, or two. With 10 s, "b leads" within 5 s of a's
 * stop proves the release did it, not the lease's expiry (leader-election.test.ts has expiry).
 */
const FAST = { leaseDurationMs: 10_000, renewDeadlineMs: 5_000, retryPeriodMs: 20 };
const RETRAIN = { retrain: { epochs: 1 }, canary: { weight: 0.1, durationSeconds: 5 } };

const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

/** A controller replica running its loops against `cluster` until the test ends (or `stop`). */
function startReplica(cluster: FakeCluster, identity: string) {
  const log: LogEvent[] = [];
  const elector = new LeaderElector(cluster.leases, identity, FAST);
  const controller = new DigitModelController({ cluster, elector, jobs: JOBS, resyncMs: 50, log: (e) => log.push(e) });
  const stop = new AbortController();
  stops.push(stop);
  const done = controller.run(stop.signal);
  return { controller, log, stop: async () => { stop.abort(); await done; } };
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

describe('the DigitModel controller loop', () => {
  it('drives a retrain to Succeeded through its Jobs, with one of two replicas doing the work', async () => {
    const cluster = new FakeCluster();
    cluster.applyModel('digits', RETRAIN);
    const a = startReplica(cluster, 'a');
    const b = startReplica(cluster, 'b');

    await until('the retrain Job exists', () => cluster.jobs.has('digits-retrain-g1'));
    expect([a.controller.isLeader, b.controller.isLeader].filter(Boolean)).toHaveLength(1);
    await until('the status says Retraining', () => cluster.models.get('digits')!.status?.phase === 'Retraining');

    cluster.finishJob('digits-retrain-g1', { state: 'succeeded', message: JSON.stringify({ version: 'v2', parent: 'v1' }) });
    await until('the canary Job exists', () => cluster.jobs.has('digits-canary-g1'));
    const canary = cluster.jobs.get('digits-canary-g1')!.manifest as unknown as { spec: { template: { spec: { containers: { command: string[] }[] } } } };
    expect(canary.spec.template.spec.containers[0]!.command.slice(-6)).toEqual(['canary', 'v2', '--weight', '0.1', '--duration', '5']);

    cluster.finishJob('digits-canary-g1', { state: 'succeeded', message: JSON.stringify({ version: 'v2', decision: 'promoted' }) });
    await until('the model is Succeeded', () => cluster.models.get('digits')!.status?.phase === 'Succeeded');
    expect(cluster.models.get('digits')!.status).toMatchObject({ activeVersion: 'v2', candidateVersion: 'v2', observedGeneration: 1 });
    expect([...cluster.jobs.keys()]).toEqual(['digits-retrain-g1', 'digits-canary-g1']);

    // Resyncs keep coming: a settled model is not written again.
    const writes = cluster.statusWrites;
    await sleep(200);
    expect(cluster.statusWrites).toBe(writes);
    const leader = a.controller.isLeader ? a : b;
    const follower = leader === a ? b : a;
    expect(follower.log.filter((e) => e.event === 'job' || e.event === 'phase')).toEqual([]);
    expect(leader.log.filter((e) => e.event === 'phase').map((e) => e.to)).toEqual(['Retraining', 'Canary', 'Succeeded']);
  });

  it('hands the work to the standby when the leader shuts down, and the standby finishes it', async () => {
    const cluster = new FakeCluster();
    cluster.applyModel('digits', { version: 'v7' });
    const a = startReplica(cluster, 'a');
    await until('a leads', () => a.controller.isLeader);
    const b = startReplica(cluster, 'b');
    await until('the promote Job exists', () => cluster.jobs.has('digits-promote-g1'));

    await a.stop();
    await until('b leads', () => b.controller.isLeader, 5_000);
    expect(cluster.leaseHolder).toBe('b');
    cluster.finishJob('digits-promote-g1', { state: 'succeeded', message: JSON.stringify({ active: 'v7', canary: null, revision: 3 }) });
    await until('the model is Succeeded', () => cluster.models.get('digits')!.status?.phase === 'Succeeded');
    expect(b.log.some((e) => e.event === 'phase' && e.to === 'Succeeded')).toBe(true);
    expect(cluster.jobs.size).toBe(1);
  });

  it('starts over when the spec changes while a Job runs', async () => {
    const cluster = new FakeCluster();
    cluster.applyModel('digits', RETRAIN);
    startReplica(cluster, 'a');
    await until('the retrain Job exists', () => cluster.jobs.has('digits-retrain-g1'));
    cluster.applyModel('digits', { version: 'v1' });
    await until('the promote Job of generation 2 exists', () => cluster.jobs.has('digits-promote-g2'));
    await until('the status is about generation 2', () => cluster.models.get('digits')!.status?.observedGeneration === 2);
    expect(cluster.models.get('digits')!.status).toMatchObject({ phase: 'Promoting', jobs: { promote: 'digits-promote-g2' } });
    // The retrain of the old spec was still running: it is stopped, not left to go on.
    expect([...cluster.jobs.keys()]).toEqual(['digits-promote-g2']);
  });
});
