import { INFERENCE_BACKENDS, loadConfig, type Config, type InferenceBackendName } from '../config.js';
import { BackendUnavailableError, errorSummary } from '../errors.js';
import { loadClassifier } from '../inference/classifier.js';
import { IMAGE_PIXELS } from '../mnist/geometry.js';
import { readMnistTestSet, type MnistSet } from '../mnist/mnist-data.js';
import { parseFlags, positiveInt, UsageError } from './args.js';

const USAGE = `Usage: mnist evaluate [flags]

Runs the 10,000 MNIST test images through the classifier the service uses (same loading,
batching and inference thread; BATCH_MAX_SIZE, BATCH_MAX_WAIT_MS, INFERENCE_THREAD,
INFERENCE_CPU_THREADS apply) once per inference backend, and prints one line per backend on
stderr and, as its last line on stdout,
{"accuracy":...,"n":10000,"backend":"...","modelVersion":"...","backends":{"onnxruntime":...,...},"skipped":{...}}
where accuracy and backend are those of the backend the service would pick.

Flags:
  --backends LIST     comma-separated: ${INFERENCE_BACKENDS.join(', ')}; default INFERENCE_BACKEND
                      when it names one, else every backend that starts here
  --model-dir DIR     model to evaluate (default MODEL_DIR, i.e. app/model)
  --concurrency N     classify calls in flight at once (default 256)`;

/** Byte image (0..255, MNIST polarity) to model input (0..1): what the service feeds too. */
function toPixels(image: Uint8Array): Float32Array {
  const pixels = new Float32Array(IMAGE_PIXELS);
  for (let i = 0; i < IMAGE_PIXELS; i++) pixels[i] = image[i]! / 255;
  return pixels;
}

function parseBackends(raw: string | undefined, config: Config): readonly InferenceBackendName[] {
  if (raw === undefined) return config.inferenceBackend === 'auto' ? INFERENCE_BACKENDS : [config.inferenceBackend];
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(INFERENCE_BACKENDS as readonly string[]).includes(name)) throw new UsageError(`--backends: unknown backend "${name}" (${INFERENCE_BACKENDS.join(', ')})`);
  }
  return names as InferenceBackendName[];
}

interface Evaluation {
  readonly accuracy: number;
  readonly modelVersion: string;
}

async function evaluateOn(backend: InferenceBackendName, config: Config, modelDir: string, test: MnistSet, concurrency: number): Promise<Evaluation> {
  const classifier = await loadClassifier({
    modelDir,
    backend,
    cpuThreads: config.inferenceCpuThreads,
    maxBatchSize: config.batchMaxSize,
    maxBatchWaitMs: config.batchMaxWaitMs,
    inferenceThread: config.inferenceThread,
  });
  let batches = 0;
  classifier.onBatch(() => (batches += 1));
  try {
    const startedAt = performance.now();
    let next = 0;
    let correct = 0;
    const worker = async (): Promise<void> => {
      while (next < test.images.length) {
        const i = next++;
        const result = await classifier.classify(toPixels(test.images[i]!));
        if (result.digit === test.labels[i]) correct += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, test.images.length) }, worker));
    const seconds = (performance.now() - startedAt) / 1000;
    const n = test.images.length;
    process.stderr.write(
      `${backend}: ${((correct / n) * 100).toFixed(2)} % of ${n} in ${seconds.toFixed(1)} s (${Math.round(n / seconds)} images/s, ` +
        `${batches} batches, mean size ${(n / batches).toFixed(1)})\n`,
    );
    return { accuracy: correct / n, modelVersion: classifier.modelVersion };
  } finally {
    await classifier.dispose();
  }
}

/** Entry point of `mnist evaluate`. */
export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args, { backends: { type: 'string' }, 'model-dir': { type: 'string' }, concurrency: { type: 'string' } }, USAGE);
  if (flags === null) return;
  const config = loadConfig();
  const backends = parseBackends(flags.backends, config);
  const concurrency = positiveInt('concurrency', flags.concurrency) ?? 256;
  const modelDir = flags['model-dir'] ?? config.modelDir;
  const test = await readMnistTestSet();
  const accuracies: Partial<Record<InferenceBackendName, number>> = {};
  const skipped: Partial<Record<InferenceBackendName, string>> = {};
  let modelVersion: string | undefined;
  for (const backend of backends) {
    let evaluation: Evaluation;
    try {
      evaluation = await evaluateOn(backend, config, modelDir, test, concurrency);
    } catch (error) {
      // Only a backend that cannot start is skipped; a model that fails to load fails the command.
      if (!(error instanceof BackendUnavailableError)) throw error;
      skipped[backend] = errorSummary(error);
      process.stderr.write(`${backend}: skipped (${skipped[backend]})\n`);
      continue;
    }
    accuracies[backend] = evaluation.accuracy;
    modelVersion = evaluation.modelVersion;
  }
  // The service's pick: the first backend, fastest first, that started.
  const picked = backends.find((b) => accuracies[b] !== undefined);
  if (picked === undefined || modelVersion === undefined) throw new Error(`no inference backend could start (${Object.entries(skipped).map(([b, why]) => `${b}: ${why}`).join('; ')})`);
  const n = test.images.length;
  process.stdout.write(`${JSON.stringify({ accuracy: accuracies[picked], n, backend: picked, modelVersion, backends: accuracies, skipped })}\n`);
}
