import { describe, expect, it } from 'vitest';
import { replayArgs, runName, synthesizeReplayJob, type ClusterReplayPlan } from './replay-manifest.js';

const PLAN: ClusterReplayPlan = {
  name: 'replay-test',
  namespace: 'mnist',
  image: 'registry.example/mnist-k8s:1.2.3',
  url: 'http://digits.mnist.svc:80',
  parallelism: 4,
  source: 'mnist',
  n: 10_000,
  concurrency: 16,
};

type PodSpec = { containers: { args: string[]; image: string; env: { name: string }[] }[]; restartPolicy: string };

describe('replay Job manifest', () => {
  it('is an Indexed Job of P pods, one shard each, running the replay command against the Service', () => {
    const job = synthesizeReplayJob(PLAN);
    expect(job.metadata).toMatchObject({ name: 'replay-test', namespace: 'mnist' });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0 });
    const pod = (job.spec.template as { spec: PodSpec }).spec;
    expect(pod.restartPolicy).toBe('Never');
    const [container] = pod.containers;
    expect(container!.image).toBe('registry.example/mnist-k8s:1.2.3');
    expect(container!.args).toEqual([
      'replay', '--url', 'http://digits.mnist.svc:80', '--source', 'mnist', '--shard', '$(JOB_COMPLETION_INDEX)/4',
      '--n', '10000', '--concurrency', '16',
    ]);
    // The kubelet only expands $(JOB_COMPLETION_INDEX) in args when the variable is declared.
    expect(container!.env.map((e) => e.name)).toContain('JOB_COMPLETION_INDEX');
  });

  it('passes an open-loop rate and a duration instead of a concurrency', () => {
    const args = replayArgs({ ...PLAN, n: undefined, concurrency: undefined, rateRps: 800, duration: '2m' });
    expect(args).toEqual(['replay', '--url', PLAN.url, '--source', 'mnist', '--shard', '$(JOB_COMPLETION_INDEX)/4', '--duration', '2m', '--rate', '800']);
  });

  it('pins the recorded snapshot so every pod reads the same predictions', () => {
    const before = new Date('2026-01-05T12:00:00.000Z');
    expect(replayArgs({ ...PLAN, source: 'recorded', recordedBefore: before })).toEqual(
      expect.arrayContaining(['--source', 'recorded', '--recorded-before', '2026-01-05T12:00:00.000Z']),
    );
  });

  it('names runs uniquely by UTC time, as a valid object name', () => {
    expect(runName(new Date('2026-01-05T12:34:56.789Z'))).toBe('replay-20260105-123456');
  });
});
