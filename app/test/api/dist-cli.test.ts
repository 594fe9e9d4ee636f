import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { INFERENCE_THREAD_NAME } from '../../src/inference/inference-protocol.js';
import { readModelCard } from '../../src/model/model-card.js';
import { compileCli, type CompiledCli } from '../fixtures/compiled-cli.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';

/**
 * The compiled CLI, as the image and the Makefile run it (`node dist/app/src/cli/index.js`):
 * its inference worker must load from dist/ as plain JavaScript. The sources are compiled
 * afresh into a temporary root (fixtures/compiled-cli.ts).
 */

const run = promisify(execFile);

/** Every thread of `pid` with its name and CPU ticks (utime + stime). */
function listThreads(pid: number): { name: string; ticks: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(fields[11]) + Number(fields[12]) };
  });
}

describe('the compiled CLI (dist/) with inference in a worker thread', () => {
  let compiled: CompiledCli;
  let root: string;
  let cli: string;

  beforeAll(async () => {
    compiled = await compileCli();
    ({ root, cli } = compiled);
  });
  afterAll(() => {
    compiled?.remove();
  });

  it('evaluate prints the model card\'s test accuracy per backend as its last line, classified in the worker', async () => {
    const { stdout } = await run(process.execPath, [cli, 'evaluate', '--backends', 'onnxruntime,wasm'], { cwd: root, env: { ...process.env, INFERENCE_BACKEND: 'auto' } });
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    const card = await readModelCard(path.join(PROJECT_ROOT, 'app/model'));
    expect(last).toEqual({
      accuracy: card.testAccuracy, n: 10_000, backend: 'onnxruntime', modelVersion: card.version,
      backends: { onnxruntime: card.testAccuracy, wasm: card.testAccuracy }, skipped: {},
    });
  });

  it('serve answers predictions from its named inference thread and exits 0 on SIGTERM', async () => {
    const dataDir = path.join(root, 'data');
    const child = spawn(process.execPath, [cli, 'serve'], {
      cwd: root,
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir, CASSANDRA_CONTACT_POINTS: '' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening" line within 120 s:\n${output}`)), 120_000);
        const check = (): void => {
          const line = output.split('\n').find((l) => l.includes('"msg":"listening"'));
          if (line === undefined) return;
          clearTimeout(timer);
          resolve(JSON.parse(line) as Record<string, unknown>);
        };
        child.stdout.on('data', check);
        child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${output}`)));
      });
      expect(listening).toMatchObject({ backend: 'onnxruntime', store: 'embedded' });
      const url = listening.url as string;

      const ready = (await (await fetch(`${url}/readyz`)).json()) as { classifier: { ok: boolean; detail: string } };
      expect(ready.classifier).toEqual({ ok: true, backend: 'onnxruntime', modelVersion: listening.modelVersion, detail: expect.stringMatching(/^inference worker thread \d+ on onnxruntime$/) });

      const inferenceTicks = (): number => listThreads(child.pid!).find((t) => t.name === INFERENCE_THREAD_NAME)?.ticks ?? -1;
      const before = inferenceTicks();
      expect(before).toBeGreaterThanOrEqual(0);
      const pngs = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((digit) => drawDigitPng(digit)));
      for (let round = 0; round < 20; round++) {
        const answers = await Promise.all(
          pngs.map(async (png) => {
            const body = new FormData();
            body.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'canvas.png');
            const response = await fetch(`${url}/api/predictions`, { method: 'POST', body });
            return { status: response.status, body: (await response.json()) as { digit: number; backend: string } };
          }),
        );
        answers.forEach((a, digit) => expect(a).toMatchObject({ status: 201, body: { digit, backend: 'onnxruntime' } }));
      }
      // The model's CPU was spent on the inference thread (in 10 ms clock ticks: 200 images take several).
      expect(inferenceTicks()).toBeGreaterThan(before);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
