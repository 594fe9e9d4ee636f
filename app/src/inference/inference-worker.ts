import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadInferenceModel } from './inference-model.js';
import { hostInference, INFERENCE_THREAD_NAME, type InferenceWorkerData } from './inference-protocol.js';

/**
 * Entry point of the inference worker thread (started by inference-thread.ts): selects the
 * TF.js backend and loads the model in this thread, then serves predict requests. The model's
 * CPU (wasm kernels and TF.js JavaScript) is spent here, off the thread that serves HTTP.
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
await hostInference(parentPort, () => loadInferenceModel(workerData as InferenceWorkerData));
