import { beforeAll, describe, expect, it } from 'vitest';
import { ensureRelease } from './support/cluster.js';
import { startClusterReplay } from './support/replay-run.js';

/**
 * Cluster-scale replay for real: `make replay-cluster` runs the app image's replay command as an
 * indexed Job of two pods on the real nodes, each driving its share of the MNIST test set
 * through the `digits` Service (kube-proxy, cluster DNS), reading every answer back by id; the
 * CLI collects the pods' reports from their logs and merges them.
 */
describe('make replay-cluster on real pods', () => {
  beforeAll(async () => {
    await ensureRelease();
  });

  it('classifies 2,000 MNIST test images through the Service, accuracy >= 0.99, nothing lost', async () => {
    const run = startClusterReplay('replay-2000', { PARALLELISM: '2', N: '2000', CONCURRENCY: '8', MAX_LOST: '0' });
    const { code, report, output } = await run.done;
    expect(code, output).toBe(0);
    expect(report).not.toBeNull();
    expect(report!.shard.merged).toEqual([0, 1]);
    expect(report!.requests).toBe(2000);
    expect(report!.ok).toBe(2000);
    expect(report!.errorsByStatus).toEqual({});
    expect(report!.accuracy!).toBeGreaterThanOrEqual(0.99);
    expect(report!.verified).toBe(2000);
    expect(report!.lost).toBe(0);
  });
});
