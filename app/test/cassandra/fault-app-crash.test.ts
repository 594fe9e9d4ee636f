import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCluster, nodeCommand, storedIds } from './support/cluster.js';
import { createKeyspaceFixture } from './support/keyspace-fixture.js';
import { mnistPngs } from './support/fixtures.js';
import { streamPredictions, summarize, type Outcome } from './support/load.js';
import { ARTIFACTS_DIR, spawnServe, type ServeProcess } from './support/service.js';

const NODES = [1, 2, 3];

describe('the app killed with SIGKILL while Cassandra is down', () => {
  const fixture = createKeyspaceFixture('crash');
  let env: Record<string, string>;
  const processes: ServeProcess[] = [];

  beforeAll(async () => {
    await fixture.setUp();
    // The restarted app waits this long for the cluster to come back before giving up.
    env = fixture.serviceEnv({ CASSANDRA_STARTUP_TIMEOUT_MS: '300000' });
  });
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await ensureCluster();
    await fixture.tearDown();
  });

  it('delivers every prediction it answered with 201 once it restarts and the cluster is back', async () => {
    const pngs = await mnistPngs(300);
    const first = spawnServe(env);
    processes.push(first);
    const url = await first.listening;

    // 1. Cassandra takes writes; 2. every node dies, the app keeps answering from its spool.
    const before = await streamPredictions({ url: () => url, pngs, count: 200, concurrency: 8 });
    await Promise.all(NODES.map((n) => nodeCommand('kill', n)));
    let sent = 0;
    let during: Outcome[] = [];
    const killed = new Promise<void>((resolve) => {
      void streamPredictions({
        url: () => url,
        pngs,
        count: 5_000,
        concurrency: 8,
        onAnswer: (done) => {
          sent = done;
          // 3. SIGKILL mid-stream: requests still in flight are never answered (status 0).
          if (done === 300) {
            first.child.kill('SIGKILL');
            resolve();
          }
        },
      }).then((outcomes) => (during = outcomes));
    });
    await killed;
    await first.exited;
    await expect.poll(() => during.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(300);

    // 4. A new process on the same spool starts while Cassandra is still down; 5. the cluster returns.
    const second = spawnServe(env);
    processes.push(second);
    await Promise.all(NODES.map((n) => nodeCommand('start', n)));
    await second.listening;

    const answered = [...before, ...during].filter((o) => o.status === 201);
    await fixture.client.connect();
    let ids = new Set<string>();
    await expect
      .poll(async () => {
        ids = await storedIds(fixture.client, fixture.keyspace);
        return answered.filter((o) => !ids.has(o.id!)).length;
      }, { timeout: 180_000, interval: 2_000 })
      .toBe(0);
    const figures = { before: summarize(before), duringOutage: summarize(during), answered201: answered.length, killedAfterAnswers: 300, answersSeen: sent, storedRows: ids.size, missing: 0 };
    writeFileSync(path.join(ARTIFACTS_DIR, 'fault-app-crash.json'), `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`cassandra app-crash: ${JSON.stringify(figures)}\n`);
    expect(before.every((o) => o.status === 201)).toBe(true);
    expect(during.filter((o) => o.status === 201).length).toBeGreaterThan(0);
    expect(during.filter((o) => o.status !== 201 && o.status !== 0)).toEqual([]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
