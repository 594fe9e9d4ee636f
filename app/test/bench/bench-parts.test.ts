import multer from '@koa/multer';
import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { encodeMultipart } from '../../bench/e2e/multipart.js';
import { nameThread, parseStatLine, readProcStats } from '../../bench/e2e/server-process.js';
import { meanBatchSize, parseHistogramTotals } from '../../bench/e2e/service-metrics.js';
import { cpuPerStage, sampleStages } from '../../bench/profile-stages.js';
import { classifyFrame, readProfileThreadId, summarizeProfiles, type CpuProfile } from '../../bench/profile-summary.js';

/** The benchmark's pure helpers: request body, /proc parsing, metrics parsing, profile breakdown. */

/** Parses a body with @koa/multer, the parser the service itself uses. */
async function parseMultipart(body: Buffer, contentType: string): Promise<{ fields: unknown; file: { field: string; name: string; type: string; bytes: string } }> {
  const app = new Koa();
  const router = new Router();
  router.post('/', multer({ storage: multer.memoryStorage() }).single('image'), (ctx) => {
    const file = ctx.request.file!;
    ctx.body = { fields: (ctx.request as { body?: unknown }).body, file: { field: file.fieldname, name: file.originalname, type: file.mimetype, bytes: file.buffer.toString('hex') } };
  });
  app.use(router.routes());
  const response = await request(app.callback()).post('/').set('content-type', contentType).send(body);
  expect(response.status).toBe(200);
  return response.body as { fields: unknown; file: { field: string; name: string; type: string; bytes: string } };
}

describe('benchmark helpers', () => {
  it('builds a multipart body that @koa/multer reads back byte for byte', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 13, 10]);
    const upload = encodeMultipart({ source: 'canvas' }, { field: 'image', filename: 'canvas.png', contentType: 'image/png', bytes: png });
    const parsed = await parseMultipart(upload.body, upload.contentType);
    expect(parsed.fields).toEqual({ source: 'canvas' });
    expect(parsed.file).toEqual({ field: 'image', name: 'canvas.png', type: 'image/png', bytes: png.toString('hex') });
  });

  it('reads utime + stime from a /proc stat line whose command name has spaces and parentheses', () => {
    const line = '4242 (libvips worker (2)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 0 0';
    expect(parseStatLine(line)).toEqual({ name: 'libvips worker (2)', cpuMs: 3000, sysCpuMs: 500 });
  });

  it('tells the JS main thread from Node\'s other unnamed threads, and keeps named threads\' names', () => {
    expect(nameThread(4242, 4242, 'node')).toBe('node');
    expect(nameThread(4242, 4250, 'node')).toBe('libuv pool + V8 helpers');
    expect(nameThread(4242, 4251, 'mnist-inference')).toBe('mnist-inference');
    expect(nameThread(4242, 4252, 'libuv-worker')).toBe('libuv-worker');
  });

  it('reads this process\'s own peak RSS and CPU time from /proc', async () => {
    const stats = await readProcStats(process.pid);
    expect(stats.peakRssMiB).toBeGreaterThanOrEqual(stats.rssMiB);
    expect(stats.rssMiB).toBeGreaterThan(10);
    expect(Object.keys(stats.threadCpuMs)).toContain('node');
  });

  it('sums a Prometheus histogram over its label sets and derives the mean batch size', () => {
    const text = [
      '# HELP classifier_batch_size images per model call',
      'classifier_batch_size_bucket{le="1"} 3',
      'classifier_batch_size_sum{model="a"} 40',
      'classifier_batch_size_count{model="a"} 10',
      'classifier_batch_size_sum{model="b"} 2',
      'classifier_batch_size_count{model="b"} 2',
    ].join('\n');
    const after = parseHistogramTotals(text, 'classifier_batch_size');
    expect(after).toEqual({ batches: 12, images: 42 });
    expect(meanBatchSize({ batches: 2, images: 2 }, after)).toBe(4);
    expect(parseHistogramTotals('other_metric 1', 'classifier_batch_size')).toBeNull();
  });

  it('splits CPU per request by stage: innermost frame that names one, other threads whole', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 1 });
    const profile: CpuProfile = {
      startTime: 0,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 9, 10] },
        { id: 2, callFrame: frame('parserOnIncoming', 'node:_http_server'), children: [3] },
        { id: 3, callFrame: frame('dispatch', 'file:///r/node_modules/koa-compose/index.js'), children: [4, 6, 7] },
        { id: 4, callFrame: frame('preprocessImage', 'file:///r/dist/app/src/preprocess/preprocess.js'), children: [5] },
        { id: 5, callFrame: frame('decodePlainPng', 'file:///r/dist/app/src/preprocess/png-decode.js'), children: [8] },
        { id: 6, callFrame: frame('respond', 'file:///r/node_modules/koa/lib/application.js'), children: [11] },
        { id: 7, callFrame: frame('extractInk', 'file:///r/dist/app/src/preprocess/image-ink.js') },
        { id: 8, callFrame: frame('writeSync', '') },
        { id: 9, callFrame: frame('(garbage collector)', '') },
        { id: 10, callFrame: frame('(idle)', '') },
        { id: 11, callFrame: frame('writeGeneric', 'node:internal/stream_base_commons') },
      ],
      // decode (zlib's native call under png-decode) 2, preprocess 1, respond 1 (a socket write
      // under Koa's respond), receive/parse 1 (Koa itself), runtime 1 (GC), idle 4 (not counted)
      samples: [8, 8, 7, 11, 3, 9, 10],
      timeDeltas: [100, 100, 100, 100, 100, 100, 400],
    };
    const sampled = sampleStages([profile]);
    expect(sampled).toEqual({ 'receive/parse': 100, decode: 200, preprocess: 100, inference: 0, store: 0, 'respond/log': 100, 'runtime (GC, V8)': 100 });
    const threads = { node: 600, 'mnist-inference': 80, 'libvips worker': 20, 'libuv pool + V8 helpers': 200, 'v8:ProfEvntProc': 50 };
    const perStage = cpuPerStage({ node: sampled }, { serverCpuUsPerRequest: 900, serverThreadCpuUsPerRequest: threads });
    expect(perStage).toEqual({ 'receive/parse': 100, decode: 220, preprocess: 100, inference: 80, store: 0, 'respond/log': 100, 'runtime (GC, V8)': 300 });
    // A profiled worker is split by its own samples instead of counting whole as inference.
    const worker = { ...sampled, 'receive/parse': 0, 'respond/log': 0, store: 0, inference: 200, 'runtime (GC, V8)': 0 };
    const split = cpuPerStage({ node: sampled, 'mnist-inference': worker }, { serverCpuUsPerRequest: 900, serverThreadCpuUsPerRequest: threads });
    expect(split).toMatchObject({ decode: 200 + 32 + 20, preprocess: 100 + 16, inference: 32 });
  });

  it('reads which thread a --cpu-prof file belongs to from its name', () => {
    expect(readProfileThreadId('.bench/profile/CPU.20261125.105454.15873.0.001.cpuprofile')).toBe(0);
    expect(readProfileThreadId('/x/CPU.20261125.105454.15873.1.002.cpuprofile')).toBe(1);
    expect(readProfileThreadId('custom.cpuprofile')).toBe(0);
  });

  it('attributes profile samples to areas and functions by self time', () => {
    const profile: CpuProfile = {
      startTime: 1_000_000,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: 'wasm-function[413]', url: 'wasm://wasm/0019ea4a', lineNumber: 0 } },
        { id: 3, callFrame: { functionName: 'extractInk', url: 'file:///r/dist/app/src/preprocess/image-ink.js', lineNumber: 138 } },
        { id: 4, callFrame: { functionName: 'use', url: 'file:///r/node_modules/koa/lib/application.js', lineNumber: 9 } },
      ],
      samples: [2, 2, 3, 4, 2],
      timeDeltas: [1000, 1000, 2000, 500, 500],
    };
    const b = summarizeProfiles([profile]);
    expect(b.totalMs).toBe(5);
    expect(b.areas.map((a) => [a.area, a.share])).toEqual([['TF.js wasm kernels', 50], ['app: preprocess', 40], ['HTTP framework (Koa, router, multer)', 10]]);
    expect(b.functions[0]?.name).toBe('wasm-function[413] wasm://wasm/0019ea4a:1');
    // Samples land at 1,001,000 / 1,002,000 / 1,004,000 / 1,004,500 / 1,005,000 µs; the window keeps two.
    const windowed = summarizeProfiles([profile], { startUs: 1_002_500, endUs: 1_004_600, requests: 5 });
    expect(windowed.totalUsPerRequest).toBe(500);
    expect(windowed.areas.map((a) => [a.area, a.usPerRequest])).toEqual([['app: preprocess', 400], ['HTTP framework (Koa, router, multer)', 100]]);
    expect(classifyFrame({ functionName: 'wrapSafe', url: 'node:internal/modules/cjs/loader', lineNumber: 1 })).toBe('start-up: module loading');
  });
});
