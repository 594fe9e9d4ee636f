import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The cluster tests tell one story on one release, in the order of their file names (1-deploy,
 * 2-person, 3-replay, 4-faults, 5-lifecycle, 6-learn); every other project keeps
 * Vitest's own order.
 */
class ClusterStoryOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const story = sorted.filter((f) => f.project.name === 'cluster').sort((a, b) => a.moduleId.localeCompare(b.moduleId));
    return [...sorted.filter((f) => f.project.name !== 'cluster'), ...story];
  }
}

/**
 * Three projects: fast unit tests beside the code (run in parallel); integration tests that talk
 * to real things (local Cassandra nodes, Chromium, the local cluster's API server and KWOK
 * nodes), one file at a time since fault tests stop and start the shared Cassandra nodes; and
 * the cluster tests, the whole system in real pods on the local cluster's real nodes, run last,
 * once the local Cassandra nodes are stopped (scripts/test.sh).
 */
export default defineConfig({
  test: {
    sequence: { sequencer: ClusterStoryOrder },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['app/src/**/*.test.ts', 'k8s/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['k8s/test/**', 'node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['app/test/**/*.test.ts', 'k8s/test/**/*.test.ts'],
          exclude: ['k8s/test/cluster/**', 'node_modules/**'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['k8s/test/cluster/**/*.test.ts'],
          testTimeout: 1_200_000,
          hookTimeout: 1_800_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
