import path from 'node:path';
import { loadConfig } from '../config.js';
import { selectBackend } from '../model/backend.js';
import { loadModel, MODEL_ONNX, saveOnnxModel } from '../model/model-io.js';
import { parseFlags } from './args.js';

const USAGE = `Usage: mnist export-onnx [--model-dir DIR]

Writes model.onnx beside the TF.js model in DIR (default MODEL_DIR, i.e. app/model): the same
weights as an ONNX graph, which the service serves with onnxruntime when it is installed.
\`mnist train\` writes it after every epoch; this command rewrites it for a model trained before,
or after a fix to the converter. The bytes depend on the weights only (a test checks that the
committed model.onnx is current).`;

/** Entry point of `mnist export-onnx`. */
export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args, { 'model-dir': { type: 'string' } }, USAGE);
  if (flags === null) return;
  const modelDir = path.resolve(flags['model-dir'] ?? loadConfig().modelDir);
  // Reading weights needs no fast kernels: the pure-JS backend starts instantly and always.
  await selectBackend('cpu');
  const model = await loadModel(modelDir);
  try {
    await saveOnnxModel(model, modelDir);
  } finally {
    model.dispose();
  }
  process.stdout.write(`${JSON.stringify({ out: path.join(modelDir, MODEL_ONNX) })}\n`);
}
