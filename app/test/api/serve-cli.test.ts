import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { spawnServe, type ServeProcess } from '../fixtures/serve-process.js';

/**
 * `mnist serve` as a real process (real model from MODEL_DIR, app/model by default):
 * start-up line, bad config, and graceful shutdown with a request in flight, whatever signals
 * follow the first.
 */
async function waitForLine(served: ServeProcess, msg: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = served.lines.find((l) => l.msg === msg);
    if (found) return found;
    if (served.child.exitCode !== null) throw new Error(`serve exited ${served.child.exitCode}: ${served.stderr.join('')}`);
    await sleep(50);
  }
  throw new Error(`no "${msg}" log line within ${timeoutMs} ms`);
}

describe('mnist serve', () => {
  const dirs: string[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 with a message naming the variable when the config is bad', async () => {
    const served = spawnServe({ PORT: 'eighty' });
    children.push(served.child);
    expect(await served.exited).toBe(1);
    expect(served.stderr.join('')).toBe('mnist: PORT must be an integer from 0 to 65535, got "eighty"\n');
  });

  it('logs one start-up line, then on SIGTERM finishes the request in flight, keeps its record and exits 0', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-serve-'));
    dirs.push(dataDir);
    const served = spawnServe({ DATA_DIR: dataDir });
    children.push(served.child);
    const started = await waitForLine(served, 'listening');
    expect(started).toMatchObject({ store: 'embedded', level: 'info' });
    expect(typeof started.backend).toBe('string');
    expect(typeof started.modelVersion).toBe('string');
    const port = started.port as number;
    expect(started.url).toBe(`http://127.0.0.1:${port}`);

    // Half an upload is on the wire when SIGTERM arrives; the rest follows during the drain.
    const png = await drawDigitPng(6);
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/api/predictions', headers: { 'Content-Type': 'image/png' } });
    const answer = new Promise<{ status: number; body: { id?: string } }>((resolve, reject) => {
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) }));
      });
      req.on('error', reject);
    });
    req.write(png.subarray(0, 100));
    await sleep(300);
    served.child.kill('SIGTERM');
    await waitForLine(served, 'shutting down: draining requests', 10_000);
    req.end(png.subarray(100));

    const response = await answer;
    expect(response.status).toBe(201);
    expect(await served.exited).toBe(0);
    expect(served.lines.at(-1)).toMatchObject({ msg: 'stopped', reason: 'SIGTERM' });

    const store = await openEmbeddedStore({ dataDir });
    try {
      expect(await store.get(response.body.id ?? '')).toMatchObject({ id: response.body.id });
    } finally {
      await store.close();
    }
  });

  it('ignores further signals while it drains: the upload in flight still gets its 201, then exit 0', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-serve-'));
    dirs.push(dataDir);
    const served = spawnServe({ DATA_DIR: dataDir });
    children.push(served.child);
    const { port } = (await waitForLine(served, 'listening')) as { port: number };
    const png = await drawDigitPng(4);
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/api/predictions', headers: { 'Content-Type': 'image/png' } });
    const status = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    req.write(png.subarray(0, 100));
    await sleep(300);
    // What `kill -TERM -<pgid>` under make delivers (from kill, and forwarded by make), and a Ctrl-C.
    served.child.kill('SIGTERM');
    await waitForLine(served, 'shutting down: draining requests', 10_000);
    served.child.kill('SIGTERM');
    served.child.kill('SIGINT');
    const deadline = Date.now() + 10_000;
    while (served.lines.filter((l) => l.msg === 'signal ignored: already draining').length < 2 && Date.now() < deadline) await sleep(50);
    // Pending signals arrive in signal-number order, not in the order they were sent.
    expect(served.lines.filter((l) => l.msg === 'signal ignored: already draining').map((l) => l.signal).sort()).toEqual(['SIGINT', 'SIGTERM']);
    req.end(png.subarray(100));
    expect(await status).toBe(201);
    expect(await served.exited).toBe(0);
    expect(served.lines.at(-1)).toMatchObject({ msg: 'stopped', reason: 'SIGTERM' });
  });

  it('cuts a request that never finishes once SHUTDOWN_TIMEOUT_MS has passed, and still exits 0', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-serve-'));
    dirs.push(dataDir);
    const served = spawnServe({ DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '500' });
    children.push(served.child);
    const { port } = (await waitForLine(served, 'listening')) as { port: number };
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/api/predictions', headers: { 'Content-Type': 'image/png' } });
    const cut = new Promise<string>((resolve) => req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message)));
    req.write((await drawDigitPng(2)).subarray(0, 100));
    await sleep(300);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(served.lines.some((l) => l.msg === 'shutdown timeout: closing the connections still open')).toBe(true);
    expect(await cut).toBe('ECONNRESET');
  });
});
