/**
 * Preprocessing throughput: images/s of `preprocessImage` against sharp's decode-only of the
 * same bytes (the floor any sharp-based pipeline pays) and header-read + decode (the floor of
 * our design, which checks the header before decoding), for a 280x280 canvas PNG (strokes on a
 * transparent background, as the page uploads) and a 28x28 PNG (a real MNIST test digit).
 * Several calls stay in flight, as under HTTP load. Run with one libuv thread to measure
 * per-core cost:
 *
 *   UV_THREADPOOL_SIZE=1 npx tsx app/bench/preprocess-bench.ts [--in-flight 8] [--seconds 3] [--rounds 3]
 *
 * Prints JSON and writes it to .bench/preprocess.json. Rounds alternate the pipelines so that
 * load from other processes on the machine hits both alike; each row reports the median round.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { parseFlags, positiveInt } from '../src/cli/args.js';
import { PROJECT_ROOT } from '../src/config.js';
import { preprocessImage } from '../src/digits/preprocess.js';
import { drawDigitPng } from '../test/fixtures/draw-digit.js';
import { readMnistTestDigit } from '../test/fixtures/mnist-idx.js';
import { round } from './measure.js';

const USAGE = `Usage: UV_THREADPOOL_SIZE=1 npx tsx app/bench/preprocess-bench.ts [--in-flight 8] [--seconds 3]
  [--rounds 3] [--out .bench/preprocess.json]`;

const LIMITS = { maxInputPixels: 4096 * 4096 };
const WARMUP_MS = 500;

type Pipeline = (bytes: Buffer) => Promise<unknown>;

const PIPELINES: Record<string, Pipeline> = {
  preprocess: (bytes) => preprocessImage(bytes, LIMITS),
  'decode-only': (bytes) => sharp(bytes).raw().toBuffer({ resolveWithObject: true }),
  // The floor of our design: header check, then one decode. The rest of `preprocess` is our TypeScript.
  'metadata+decode': async (bytes) => {
    await sharp(bytes).metadata();
    return sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  },
};

interface Round {
  readonly imagesPerSec: number;
  /** Process CPU time (all threads) per image: robust to other load on the machine. */
  readonly cpuMsPerImage: number;
}

/** Keeps `inFlight` calls running over the images, round-robin, for `durationMs`. */
async function runRound(pipeline: Pipeline, images: readonly Buffer[], inFlight: number, durationMs: number): Promise<Round> {
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
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { imagesPerSec: done / seconds, cpuMsPerImage: (cpu.user + cpu.system) / 1000 / done };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
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
    { 'in-flight': { type: 'string' }, seconds: { type: 'string' }, rounds: { type: 'string' }, out: { type: 'string' } },
    USAGE,
  );
  if (flags === null) return;
  const inFlight = positiveInt('in-flight', flags['in-flight']) ?? 8;
  const durationMs = (positiveInt('seconds', flags.seconds) ?? 3) * 1000;
  const rounds = positiveInt('rounds', flags.rounds) ?? 3;
  const out = path.resolve(PROJECT_ROOT, flags.out ?? '.bench/preprocess.json');

  const images = await makeImages();
  const results = [];
  for (const [imageName, buffers] of Object.entries(images)) {
    const runs: Record<string, Round[]> = {};
    for (const pipeline of Object.values(PIPELINES)) await runRound(pipeline, buffers, inFlight, WARMUP_MS);
    for (let r = 0; r < rounds; r++) {
      for (const [name, pipeline] of Object.entries(PIPELINES)) {
        (runs[name] ??= []).push(await runRound(pipeline, buffers, inFlight, durationMs));
      }
    }
    const rows = Object.entries(runs).map(([pipeline, rs]) => ({
      image: imageName,
      pipeline,
      bytes: round(buffers.reduce((sum, b) => sum + b.length, 0) / buffers.length, 0),
      imagesPerSec: round(median(rs.map((x) => x.imagesPerSec)), 1),
      cpuMsPerImage: round(median(rs.map((x) => x.cpuMsPerImage))),
      rounds: rs.map((x) => round(x.imagesPerSec, 1)),
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
    secondsPerRound: durationMs / 1000,
    rounds,
    results,
  };
  const json = JSON.stringify(report, null, 2);
  process.stdout.write(`${json}\n`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${json}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`preprocess-bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
