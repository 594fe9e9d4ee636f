import { describe, expect, it } from 'vitest';
import { sleep } from './time.js';

describe('sleep', () => {
  it('waits the time it is given', async () => {
    const startedAt = Date.now();
    await sleep(30);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(25);
  });

  it('returns early, without an error, when its signal aborts (the watch loop then sees it)', async () => {
    const controller = new AbortController();
    const startedAt = Date.now();
    setTimeout(() => controller.abort(), 20);
    await expect(sleep(60_000, controller.signal)).resolves.toBeUndefined();
    await expect(sleep(60_000, controller.signal)).resolves.toBeUndefined();
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});
