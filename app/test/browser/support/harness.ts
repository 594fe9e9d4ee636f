import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig, PROJECT_ROOT } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { startService, type RunningService } from '../../../src/main.js';
import { DIGIT_STROKES } from '../../fixtures/draw-digit.js';

/** Debian's chromium (scripts/setup/chromium.sh); CHROMIUM_BIN overrides. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
/** Screenshots and the app's log land here (git-ignored). */
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, '.artifacts', 'browser');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** The real browser, or a failure that says how to get it (never a skip). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_BIN)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_BIN}: run scripts/setup/chromium.sh (apt-get install -y chromium)`);
  }
  // launch() gives every run a fresh, throw-away user-data dir.
  return chromium.launch({ executablePath: CHROMIUM_BIN, args: CHROMIUM_ARGS });
}

export interface StartedApp {
  readonly service: RunningService;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The real service: real classifier (MODEL_DIR, app/model by default), real preprocessing,
 * the embedded store in a fresh temp dir, on an ephemeral loopback port. Logs go to a file.
 */
export async function startRealApp(): Promise<StartedApp> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-browser-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CASSANDRA_CONTACT_POINTS: '' });
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: path.join(ARTIFACTS_DIR, 'app.log'), sync: true }) });
  const service = await startService(config, { logger });
  return {
    service,
    url: service.url,
    async stop() {
      await service.shutdown('test finished');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/** Canvas-space points of `digit`'s strokes: the fixture's unit-box shapes, 60% of the canvas high. */
export function strokesOnCanvas(digit: number, box: { x: number; y: number; width: number; height: number }): [number, number][][] {
  const strokes = DIGIT_STROKES[digit];
  if (strokes === undefined) throw new RangeError(`no strokes for ${digit}`);
  const heightPx = box.height * 0.6;
  const widthPx = heightPx * 0.6;
  const left = box.x + (box.width - widthPx) / 2;
  const top = box.y + (box.height - heightPx) / 2;
  return strokes.map((line) => line.map(([ux, uy]) => [left + ux * widthPx, top + uy * heightPx] as [number, number]));
}

/** Draws `digit` on the page's canvas with real mouse strokes (press, move, release). */
export async function drawWithMouse(page: Page, digit: number): Promise<void> {
  const box = await page.locator('#pad').boundingBox();
  if (box === null) throw new Error('the drawing canvas is not visible');
  for (const line of strokesOnCanvas(digit, box)) {
    const [first, ...rest] = line;
    await page.mouse.move(first![0], first![1]);
    await page.mouse.down();
    for (const [x, y] of rest) await page.mouse.move(x, y, { steps: 4 });
    await page.mouse.up();
  }
}

/** Draws `digit` with touch events (finger strokes), via the DevTools protocol. */
export async function drawWithTouch(page: Page, digit: number): Promise<void> {
  const box = await page.locator('#pad').boundingBox();
  if (box === null) throw new Error('the drawing canvas is not visible');
  const cdp = await page.context().newCDPSession(page);
  for (const line of strokesOnCanvas(digit, box)) {
    const [first, ...rest] = line;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: first![0], y: first![1] }] });
    let [px, py] = first!;
    for (const [x, y] of rest) {
      for (let s = 1; s <= 4; s += 1) {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: px + ((x - px) * s) / 4, y: py + ((y - py) * s) / 4 }] });
      }
      [px, py] = [x, y];
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
  await cdp.detach();
}

/** Waits until the page shows a finished prediction and returns its digit; throws with the page's own words if it shows an error instead. */
export async function readShownDigit(page: Page): Promise<number> {
  await page.waitForFunction(() => {
    const status = document.querySelector('#status')?.textContent ?? '';
    const error = document.querySelector<HTMLElement>('#error');
    return /^Predicted \d\.$/.test(status) || (error !== null && !error.hidden);
  });
  const error = page.locator('#error');
  if (await error.isVisible()) throw new Error(`the page showed an error instead of a prediction: ${await error.textContent()}`);
  return Number(await page.locator('#result-digit').textContent());
}
