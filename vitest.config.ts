import { defineConfig } from 'vitest/config';

/**
 * Two projects: fast unit tests beside the code (run in parallel), and integration tests that
 * talk to real things (Cassandra nodes, Chromium, a kube-apiserver). Integration files run one
 * at a time: fault tests stop and start the shared Cassandra nodes.
 */
export default defineConfig({
  test: {
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
          testTimeout: 600_000,
          hookTimeout: 600_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
