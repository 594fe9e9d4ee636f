import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawWithMouse, launchChromium, readShownDigit, screenshot } from '../../../app/test/browser/support/harness.js';
import { clusterClients, cqlshErrors, ensureRelease, kubectl, NAMESPACE } from './support/cluster.js';
import { portForward, type PortForward } from './support/port-forward.js';

/**
 * A person's path through the README: `kubectl port-forward service/digits`, a real Chromium on
 * the page through that tunnel, a digit drawn with the mouse, the answer on the page; then the
 * prediction read back from the history and found in the Cassandra pods themselves. (The page's
 * own drawing helpers come from its browser test: one way to draw, shared.)
 */
describe("a person's path: port-forward, draw, predict, stored in the Cassandra pods", () => {
  let tunnel: PortForward;
  let browser: Browser;

  beforeAll(async () => {
    await ensureRelease();
    tunnel = await portForward();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    tunnel?.stop();
  });

  it('recognises a digit drawn in the browser and keeps it in Cassandra', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(tunnel.url);
    await page.locator('#model-info').filter({ hasText: /^Model / }).waitFor();
    await drawWithMouse(page, 3);
    await page.getByRole('button', { name: 'Predict' }).click();
    expect(await readShownDigit(page)).toBe(3);
    await screenshot(page, 'cluster-port-forward-3');

    const history = (await (await fetch(`${tunnel.url}/api/predictions?limit=1`)).json()) as { items: { id: string; digit: number; source: string }[] };
    const newest = history.items[0]!;
    expect(newest).toMatchObject({ digit: 3, source: 'canvas' });
    await expect.poll(() => page.locator('#history tbody tr').first().locator('td.predicted').textContent()).toBe('3');

    // The row itself, read by the superuser in a Cassandra pod at QUORUM: in the ring, not a spool.
    const secret = await clusterClients().core.readNamespacedSecret({ name: 'cassandra-superuser', namespace: NAMESPACE });
    const decode = (key: string) => Buffer.from(secret.data![key]!, 'base64').toString();
    const query = `CONSISTENCY QUORUM; SELECT digit, source FROM mnist.predictions WHERE id = ${newest.id} ALLOW FILTERING;`;
    const row = await kubectl(['exec', 'cassandra-2', '-c', 'cassandra', '--', 'bash', '-c',
      `HOME=/tmp cqlsh "$POD_IP" 9042 -u '${decode('username')}' -p '${decode('password')}' -e "${query}"`]);
    expect(cqlshErrors(row.stderr)).toBe('');
    expect(row.stdout).toMatch(/^\s*3 \| +canvas\s*$/m);
    expect(row.stdout).toMatch(/\(1 rows\)/);
  });
});
