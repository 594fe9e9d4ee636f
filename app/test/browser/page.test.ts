import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { drawWithMouse, drawWithTouch, launchChromium, readShownDigit, screenshot, startRealApp, type StartedApp } from './support/harness.js';

/**
 * The page end to end: real headless Chromium, the real service (real model, real
 * preprocessing, embedded store) on a loopback port. Screenshots go to .artifacts/browser/.
 */
describe('the web page in a real browser', () => {
  let app: StartedApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let filesDir: string;

  let setupError: unknown;

  beforeAll(async () => {
    filesDir = mkdtempSync(path.join(tmpdir(), 'mnist-upload-'));
    try {
      browser = await launchChromium();
      app = await startRealApp();
    } catch (error) {
      // Every test then fails with this reason (a failed beforeAll would only mark them skipped).
      setupError = error;
    }
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (filesDir) rmSync(filesDir, { recursive: true, force: true });
  });

  async function openPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
    if (setupError !== undefined) throw setupError;
    context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
    const opened = await context.newPage();
    const failures: string[] = [];
    opened.on('pageerror', (error) => failures.push(error.message));
    opened.on('requestfailed', (request) => failures.push(`${request.url()} ${request.failure()?.errorText ?? ''}`));
    opened.on('request', (request) => {
      if (!request.url().startsWith(app.url)) failures.push(`off-origin request: ${request.url()}`);
    });
    await opened.goto(app.url);
    await opened.locator('#model-info').filter({ hasText: /^Model / }).waitFor();
    expect(failures).toEqual([]);
    return opened;
  }

  afterEach(async () => {
    await context?.close();
  });

  it('recognises digits drawn with the mouse and lists them in the history', async () => {
    page = await openPage();
    for (const digit of [2, 7]) {
      await page.getByRole('button', { name: 'Clear' }).click();
      await drawWithMouse(page, digit);
      await page.getByRole('button', { name: 'Predict' }).click();
      expect(await readShownDigit(page)).toBe(digit);
      await screenshot(page, `drawn-${digit}`);
      const firstRow = page.locator('#history tbody tr').first();
      await expect.poll(() => firstRow.locator('td.predicted').textContent()).toBe(String(digit));
      await expect.poll(() => firstRow.locator('td').nth(4).textContent()).toBe('canvas');
    }
    // Ten bars, the winner's the widest; and the 28x28 preview has ink in it.
    expect(await page.locator('#bars li').count()).toBe(10);
    const inkPixels = await page.locator('#seen').evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! > 128) ink += 1;
      return ink;
    });
    expect(inkPixels).toBeGreaterThan(20);
  });

  it('predicts an uploaded image file', async () => {
    page = await openPage();
    const file = path.join(filesDir, 'five.png');
    writeFileSync(file, await drawDigitPng(5, { background: { r: 255, g: 255, b: 255 } }));
    await page.locator('#upload').setInputFiles(file);
    expect(await readShownDigit(page)).toBe(5);
    await expect.poll(() => page.locator('#history tbody tr').first().locator('td').nth(4).textContent()).toBe('upload');
    // Which version answered, and the versions panel with the one serving (the seeded committed model).
    const answeredBy = (await page.locator('#result-model').textContent()) ?? '';
    expect(answeredBy).toMatch(/^Answered by model \S+$/);
    const active = page.locator('#models tbody tr.serving-active');
    await expect.poll(() => active.count()).toBe(1);
    expect(`Answered by model ${await active.getAttribute('data-version')}`).toBe(answeredBy);
    expect(await active.locator('td').nth(2).textContent()).toMatch(/^\d+\.\d%$/);
    await screenshot(page, 'uploaded-5');
  });

  it('sends a correction and shows it in the history', async () => {
    page = await openPage();
    await drawWithMouse(page, 4);
    await page.getByRole('button', { name: 'Predict' }).click();
    const shown = await readShownDigit(page);
    const corrected = shown === 9 ? 8 : 9;
    await page.getByLabel('Wrong? The right digit is').selectOption(String(corrected));
    await page.getByRole('button', { name: 'Send correction' }).click();
    await page.locator('#correct-status').filter({ hasText: `recorded ${corrected}` }).waitFor();
    const firstRow = page.locator('#history tbody tr').first();
    await expect.poll(() => firstRow.locator('select').inputValue()).toBe(String(corrected));
    const id = await firstRow.getAttribute('data-id');
    const stored = (await (await fetch(`${app.url}/api/predictions/${id}`)).json()) as { feedbackLabel: number };
    expect(stored.feedbackLabel).toBe(corrected);
    await screenshot(page, 'corrected');
  });

  it('says in words what went wrong for an empty canvas, a PDF and a blank image', async () => {
    page = await openPage();
    await page.getByRole('button', { name: 'Predict' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Draw a digit first');

    const pdf = path.join(filesDir, 'doc.pdf');
    writeFileSync(pdf, '%PDF-1.4\n%%EOF\n');
    await page.locator('#upload').setInputFiles(pdf);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not an image we can read');

    const blank = path.join(filesDir, 'blank.png');
    writeFileSync(blank, await sharp({ create: { width: 280, height: 280, channels: 3, background: '#ffffff' } }).png().toBuffer());
    await page.locator('#upload').setInputFiles(blank);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('No digit found');
    await screenshot(page, 'error-message');
  });

  it('can be used with the keyboard alone: upload, read the result, send a correction', async () => {
    page = await openPage();
    const file = path.join(filesDir, 'seven.png');
    writeFileSync(file, await drawDigitPng(7));
    // Listen first: Playwright turns on file-chooser interception asynchronously, and an Enter
    // that beats it opens no interceptable chooser (seen 1 run in 6).
    const chooser = page.waitForEvent('filechooser');
    const uploadButton = page.getByRole('button', { name: 'Upload an image…' });
    for (let i = 0; i < 10 && !(await uploadButton.evaluate((el) => el === document.activeElement)); i += 1) {
      await page.keyboard.press('Tab');
    }
    expect(await uploadButton.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(file);
    expect(await readShownDigit(page)).toBe(7);

    await page.getByLabel('Wrong? The right digit is').focus();
    await page.keyboard.press('ArrowDown'); // "choose…" -> 0
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#correct-status').filter({ hasText: 'recorded 0' }).waitFor();
    await screenshot(page, 'keyboard-only');
  });

  it('pages through the history with Older and Newer', async () => {
    if (setupError !== undefined) throw setupError;
    const png = await drawDigitPng(1);
    for (let i = 0; i < 12; i += 1) {
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'one.png');
      expect((await fetch(`${app.url}/api/predictions?source=api`, { method: 'POST', body: form })).status).toBe(201);
    }
    page = await openPage();
    const rows = page.locator('#history tbody tr');
    await expect.poll(() => rows.count()).toBe(10);
    const newestId = await rows.first().getAttribute('data-id');
    await page.getByRole('button', { name: 'Older →' }).click();
    await expect.poll(() => page.locator('#page-info').textContent()).toBe('Page 2');
    expect(await rows.first().getAttribute('data-id')).not.toBe(newestId);
    await screenshot(page, 'history-page-2');
    await page.getByRole('button', { name: '← Newer' }).click();
    await expect.poll(() => rows.first().getAttribute('data-id')).toBe(newestId);
    expect(await page.getByRole('button', { name: '← Newer' }).isDisabled()).toBe(true);
  });

  it('works on a 375px phone: finger drawing, no sideways scrolling, keyboard predict', async () => {
    page = await openPage({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await drawWithTouch(page, 3);
    await page.locator('#pad').focus();
    await page.keyboard.press('Enter');
    expect(await readShownDigit(page)).toBe(3);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // The history table fits too (its wrapper would otherwise scroll sideways).
    await expect.poll(() => page.locator('#history tbody tr').count()).toBeGreaterThan(0);
    const table = await page.locator('.table-wrap').evaluate((wrap) => ({ scroll: wrap.scrollWidth, client: wrap.clientWidth }));
    expect(table.scroll).toBeLessThanOrEqual(table.client);
    await screenshot(page, 'phone-375');
    await page.locator('#pad').focus();
    await page.keyboard.press('Escape');
    const inkLeft = await page.locator('#pad').evaluate((canvas: HTMLCanvasElement) =>
      canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data.some((v, i) => i % 4 === 3 && v > 0),
    );
    expect(inkLeft).toBe(false);
  });
});
