import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { preprocessImage } from '../preprocess/preprocess.js';
import { hostInference } from './inference-host.js';
import { loadInferenceModel } from './inference-model.js';
import { INFERENCE_THREAD_NAME, type InferenceWorkerData } from './inference-protocol.js';

/**
 * Entry point of the inference worker thread (started by inference-thread.ts): selects the
 * backend and loads the model in this thread, then serves predict and recognise requests.
 * The model's CPU and the images' decoding and pixel work are spent here, off the thread that
 * serves HTTP. (sharp, for the images that are not plain PNGs, is loaded by the main thread
 * too, which keeps libvips loaded when this thread is replaced: sharp's advice for workers.)
 */

function nameThisThread(): void {
  try {
    // A thread may rename itself through its own comm file; elsewhere this simply fails.
    writeFileSync('/proc/thread-self/comm', INFERENCE_THREAD_NAME);
  } catch {
    // Not Linux, or /proc not mounted: the name is only a convenience for operators.
  }
}

if (parentPort === null) throw new Error('inference-worker.ts runs only as a worker thread');
nameThisThread();
const data = workerData as InferenceWorkerData;
await hostInference(parentPort, () => loadInferenceModel(data), {
  preprocess: preprocessImage, decodeConcurrency: data.decodeConcurrency ?? 2, maxBatchSize: data.maxBatchSize, maxBatchWaitMs: data.maxBatchWaitMs,
});
