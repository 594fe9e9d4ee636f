import { describe, expect, it } from 'vitest';
import type { DigitModel, DigitModelSpec, DigitModelStatus } from './digit-model.js';
import { awaitedJob, decide, type JobObservation } from './reconcile.js';

const T0 = new Date('2026-12-04T18:00:00.000Z');
const T1 = new Date('2026-12-04T18:05:00.000Z');

function model(spec: DigitModelSpec, status?: DigitModelStatus, generation = 1): DigitModel {
  return {
    apiVersion: 'mnist-k8s.dev/v1alpha1',
    kind: 'DigitModel',
    metadata: { name: 'digits', namespace: 'mnist', uid: 'uid-1', generation, resourceVersion: '7' },
    spec,
    status,
  };
}

const RETRAIN: DigitModelSpec = { retrain: { epochs: 2, seed: 7, mnistSample: 6000 }, gates: { maxMnistDrop: 0.001 }, canary: { weight: 0.2, durationSeconds: 30 } };
const succeeded = (result: object): JobObservation => ({ state: 'succeeded', message: JSON.stringify(result) });
const condition = (status: DigitModelStatus, type: string) => status.conditions?.find((c) => c.type === type);

/** Runs decide() and feeds its status back in, as the API server would after the write. */
function step(current: DigitModel, job: JobObservation | null, now = T1): { next: DigitModel; plan: ReturnType<typeof decide> } {
  const plan = decide(current, job, now);
  return { next: { ...current, status: plan.status }, plan };
}

describe('reconcile decisions', () => {
  it('starts a retrain: phase Retraining, a retrain Job with the spec as flags, Ready False', () => {
    const plan = decide(model(RETRAIN), null, T0);
    expect(plan.job).toEqual({ step: 'retrain', name: 'digits-retrain-g1', args: ['--epochs', '2', '--seed', '7', '--mnist-sample', '6000'] });
    expect(plan.status).toMatchObject({ phase: 'Retraining', observedGeneration: 1, jobs: { retrain: 'digits-retrain-g1' } });
    expect(condition(plan.status, 'Progressing')).toMatchObject({ status: 'True', reason: 'Retraining', lastTransitionTime: T0.toISOString() });
    expect(condition(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'Retraining' });
  });

  it('goes retrain -> canary -> Succeeded on a promoted candidate, recording versions and figures', () => {
    let { next } = step(model(RETRAIN), null);
    expect(awaitedJob(next)).toBe('digits-retrain-g1');
    expect(step(next, { state: 'running' }).plan).toEqual({ status: next.status });

    const retrained = step(next, succeeded({ version: 'v2', parent: 'v1', mnistTestAccuracy: 0.9934, heldOutCorrectionAccuracy: 0.9 }));
    expect(retrained.plan.job).toEqual({
      step: 'canary', name: 'digits-canary-g1', args: ['v2', '--weight', '0.2', '--duration', '30', '--max-mnist-drop', '0.1'],
    });
    next = retrained.next;
    expect(next.status).toMatchObject({ phase: 'Canary', candidateVersion: 'v2', jobs: { retrain: 'digits-retrain-g1', canary: 'digits-canary-g1' } });
    expect(condition(next.status!, 'Retrained')).toMatchObject({ status: 'True', reason: 'CandidatePublished', message: 'v2 from v1: MNIST test 99.34%, held-out corrections 90.00%' });
    expect(awaitedJob(next)).toBe('digits-canary-g1');

    const done = step(next, succeeded({ version: 'v2', decision: 'promoted', liveP99Ms: 12 }));
    expect(done.plan.job).toBeUndefined();
    expect(done.next.status).toMatchObject({ phase: 'Succeeded', activeVersion: 'v2', candidateVersion: 'v2' });
    expect(done.next.status!.figures).toEqual({
      retrain: { version: 'v2', parent: 'v1', mnistTestAccuracy: 0.9934, heldOutCorrectionAccuracy: 0.9 },
      canary: { version: 'v2', decision: 'promoted', liveP99Ms: 12 },
    });
    expect(condition(done.next.status!, 'Ready')).toMatchObject({ status: 'True', reason: 'Promoted' });
    expect(condition(done.next.status!, 'Progressing')).toMatchObject({ status: 'False', reason: 'Succeeded' });
    expect(awaitedJob(done.next)).toBeNull();
    // Final: nothing more to do, however often it is reconciled.
    expect(decide(done.next, null, T1)).toEqual({ status: done.next.status });
  });

  it.each([
    ['gate-rejected', 'Rejected', 'GateRejected'],
    ['rolled-back', 'RolledBack', 'RolledBack'],
  ])('ends in %s -> phase %s, Ready False (%s), the active version unchanged', (decision, phase, reason) => {
    const canary = step(step(model(RETRAIN, { activeVersion: 'v1' }, 1), null).next, succeeded({ version: 'v2', parent: 'v1' })).next;
    const { next } = step(canary, succeeded({ version: 'v2', decision, reason: 'agreement 91.0% < 97.0%' }));
    expect(next.status).toMatchObject({ phase, activeVersion: 'v1', candidateVersion: 'v2' });
    expect(condition(next.status!, 'Ready')).toMatchObject({ status: 'False', reason });
    expect(condition(next.status!, 'Ready')!.message).toContain('agreement 91.0% < 97.0%');
  });

  it('makes a wanted version active with a promote Job', () => {
    const start = step(model({ version: 'v5' }), null);
    expect(start.plan.job).toEqual({ step: 'promote', name: 'digits-promote-g1', args: ['v5'] });
    expect(start.next.status).toMatchObject({ phase: 'Promoting', jobs: { promote: 'digits-promote-g1' } });
    const done = step(start.next, succeeded({ active: 'v5', canary: null, revision: 4 })).next;
    expect(done.status).toMatchObject({ phase: 'Succeeded', activeVersion: 'v5' });
    expect(condition(done.status!, 'Ready')).toMatchObject({ status: 'True', reason: 'Promoted', message: 'v5 serves' });
  });

  it('fails on a failed Job, saying which and why, and keeps the transition time of unchanged conditions', () => {
    const retraining = step(model(RETRAIN), null, T0).next;
    const { next } = step(retraining, { state: 'failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(next.status!.phase).toBe('Failed');
    const ready = condition(next.status!, 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'RetrainFailed' });
    expect(ready.message).toBe('Job digits-retrain-g1 failed (BackoffLimitExceeded): Job has reached the specified backoff limit');
    expect(ready.lastTransitionTime).toBe(T0.toISOString());
    expect(condition(next.status!, 'Progressing')).toMatchObject({ status: 'False', lastTransitionTime: T1.toISOString() });
    expect(condition(next.status!, 'Retrained')).toMatchObject({ status: 'False', reason: 'RetrainFailed' });
  });

  it('fails with ResultUnreadable when a Job succeeded without a usable result', () => {
    const retraining = step(model(RETRAIN), null).next;
    expect(condition(step(retraining, { state: 'succeeded', message: null }).next.status!, 'Ready'))
      .toMatchObject({ reason: 'ResultUnreadable', message: 'the retrain Job left no result in its termination message' });
    const canary = step(retraining, succeeded({ version: 'v2' })).next;
    expect(condition(step(canary, succeeded({ version: 'v2', decision: 'maybe' })).next.status!, 'Ready')!.message)
      .toMatch(/decided "maybe"/);
  });

  it('creates the awaited Job again when it disappeared before its result was read', () => {
    const canary = step(step(model(RETRAIN), null).next, succeeded({ version: 'v2' })).next;
    const plan = decide(canary, { state: 'missing' }, T1);
    expect(plan.job).toMatchObject({ step: 'canary', name: 'digits-canary-g1', args: ['v2', '--weight', '0.2', '--duration', '30', '--max-mnist-drop', '0.1'] });
    expect(plan.status).toEqual(canary.status);
  });

  it('starts over on a new generation, keeping the active version and dropping the old candidate', () => {
    const done = step(step(model({ version: 'v5' }), null).next, succeeded({ active: 'v5' })).next;
    const changed: DigitModel = { ...done, spec: RETRAIN, metadata: { ...done.metadata, generation: 2 } };
    expect(awaitedJob(changed)).toBeNull();
    const plan = decide(changed, null, T1);
    expect(plan.job?.name).toBe('digits-retrain-g2');
    expect(plan.status).toMatchObject({ phase: 'Retraining', observedGeneration: 2, activeVersion: 'v5', jobs: { retrain: 'digits-retrain-g2' } });
    expect(plan.status.jobs).not.toHaveProperty('promote');
    expect(plan.status.figures).toBeUndefined();
  });

  it('refuses a spec with both a version and a retrain', () => {
    const plan = decide(model({ version: 'v1', retrain: {} }), null, T0);
    expect(plan.job).toBeUndefined();
    expect(plan.status.phase).toBe('Failed');
    expect(condition(plan.status, 'Ready')).toMatchObject({ reason: 'InvalidSpec', message: 'set exactly one of spec.version and spec.retrain' });
  });
});
