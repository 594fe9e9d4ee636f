/**
 * Preprocessing throughput: images/s of `preprocessImage` against sharp's decode-only of the
 * same bytes (the floor any sharp-based pipeline pays, and preprocess's only sharp call) and
 * header-read + decode (an earlier design's floor), for a 280x280 canvas PNG (strokes on a
 * transparent background, as the page uploads) and a 28x28 PNG (a real MNIST test digit).
 * Several calls stay in flight, as under HTTP load. Run with one libuv thread to measure
 * per-core cost:
 *
 *   UV_THREADPOOL_SIZE=1 npx tsx app/bench/preprocess-bench.ts [--in-flight 8] [--seconds 6] [--slice-ms 250]
 *
 * Prints JSON and writes it to .bench/preprocess.json. The pipelines take turns in short
 * slices until each has run `--seconds`, so that load from other processes on the machine hits
 * them alike; a row reports the total rate, CPU per image and the spread over slices.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { parseFlags, positiveInt } from '../src/cli/args.js';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { preprocessImage } from '../src/preprocess/preprocess.js';
import { drawDigitPng } from '../test/fixtures/draw-digit.js';
import { readMnistTestDigit } from '../test/fixtures/mnist-idx.js';
import { round } from './measure.js';
import { errorMessage } from '../src/errors.js';

const USAGE = `Usage: UV_THREADPOOL_SIZE=1 npx tsx app/bench/preprocess-bench.ts [--in-flight 8] [--seconds 6]
  [--slice-ms 250] [--out .bench/preprocess.json]`;

/** The service's own limits (its defaults). */
const LIMITS = loadConfig({});
const WARMUP_MS = 500;

type Pipeline = (bytes: Buffer) => Promise<unknown>;

const PIPELINES: Record<string, Pipeline> = {
  preprocess: (bytes) => preprocessImage(bytes, LIMITS),
  'decode-only': (bytes) => sharp(bytes).raw().toBuffer({ resolveWithObject: true }),
  // Header read, then decode: what preprocess did before it let sharp's limitInputPixels refuse
  // oversized images in the decode call itself. Kept to show what that second call cost.
  'metadata+decode': async (bytes) => {
    await sharp(bytes).metadata();
    return sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  },
};

/** Totals of one pipeline over all its slices. */
interface Tally {
  images: number;
  seconds: number;
  cpuMs: number;
  readonly sliceRates: number[];
}

/** Keeps `inFlight` calls running over the images, round-robin, for `durationMs`; adds to `tally`. */
async function runSlice(pipeline: Pipeline, images: readonly Buffer[], inFlight: number, durationMs: number, tally?: Tally): Promise<void> {
  let next = 0;
  let done = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await pipeline(images[next++ % images.length]);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  if (tally === undefined) return;
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  tally.images += done;
  tally.seconds += seconds;
  tally.cpuMs += (cpu.user + cpu.system) / 1000;
  tally.sliceRates.push(done / seconds);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function makeImages(): Promise<Record<string, Buffer[]>> {
  const canvas = await Promise.all(Array.from({ length: 10 }, (_, digit) => drawDigitPng(digit)));
  const mnist = await Promise.all(
    Array.from({ length: 10 }, (_, i) => {
      const digit = readMnistTestDigit(i);
      return sharp(digit.pixels, { raw: { width: digit.width, height: digit.height, channels: 1 } }).png().toBuffer();
    }),
  );
  return { 'canvas-280x280-png': canvas, 'mnist-28x28-png': mnist };
}

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(
    args,
    { 'in-flight': { type: 'string' }, seconds: { type: 'string' }, 'slice-ms': { type: 'string' }, out: { type: 'string' } },
    USAGE,
  );
  if (flags === null) return;
  const inFlight = positiveInt('in-flight', flags['in-flight']) ?? 8;
  const measuredMs = (positiveInt('seconds', flags.seconds) ?? 6) * 1000;
  const sliceMs = positiveInt('slice-ms', flags['slice-ms']) ?? 250;
  const out = path.resolve(PROJECT_ROOT, flags.out ?? '.bench/preprocess.json');

  const images = await makeImages();
  const results = [];
  for (const [imageName, buffers] of Object.entries(images)) {
    for (const pipeline of Object.values(PIPELINES)) await runSlice(pipeline, buffers, inFlight, WARMUP_MS);
    const tallies = Object.fromEntries(Object.keys(PIPELINES).map((name): [string, Tally] => [name, { images: 0, seconds: 0, cpuMs: 0, sliceRates: [] }]));
    // Short alternating slices: load from other processes drifts over seconds, and this way
    // every pipeline samples the same drift.
    for (let elapsedMs = 0; elapsedMs < measuredMs; elapsedMs += sliceMs) {
      for (const [name, pipeline] of Object.entries(PIPELINES)) await runSlice(pipeline, buffers, inFlight, sliceMs, tallies[name]);
    }
    const rows = Object.entries(tallies).map(([pipeline, t]) => ({
      image: imageName,
      pipeline,
      bytes: round(buffers.reduce((sum, b) => sum + b.length, 0) / buffers.length, 0),
      imagesPerSec: round(t.images / t.seconds, 1),
      cpuMsPerImage: round(t.cpuMs / t.images),
      images: t.images,
      sliceImagesPerSec: { p10: round(quantile(t.sliceRates, 0.1), 1), p50: round(quantile(t.sliceRates, 0.5), 1), p90: round(quantile(t.sliceRates, 0.9), 1) },
    }));
    const ours = rows.find((row) => row.pipeline === 'preprocess');
    const decode = rows.find((row) => row.pipeline === 'decode-only');
    results.push({ image: imageName, rows, preprocessVsDecode: ours && decode ? round(ours.imagesPerSec / decode.imagesPerSec) : null });
  }

  const report = {
    benchmark: 'preprocess',
    date: new Date().toISOString(),
    node: process.version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    // Reported, not configured: libuv reads it once at start-up.
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
    cpus: os.cpus().length,
    loadAverage1mAtEnd: round(os.loadavg()[0] ?? 0, 2),
    inFlight,
    measuredSecondsPerPipeline: measuredMs / 1000,
    sliceMs,
    results,
  };
  const json = JSON.stringify(report, null, 2);
  process.stdout.write(`${json}\n`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${json}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`preprocess-bench: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
