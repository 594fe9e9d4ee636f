import { loadConfig } from '../config.js';
import { DEFAULT_RETRAIN, retrain } from '../lifecycle/retrain.js';
import { numberIn, parseFlags, positiveInt } from './args.js';
import { printResult, withLifecycle } from './lifecycle-runtime.js';

const USAGE = `Usage: mnist retrain [flags]

Fine-tunes a model version (the active one by default) on a seeded sample of MNIST plus the
stored corrections (those whose hash(id) % 5 != 0; the rest are held out), measures it on
the 10,000 MNIST test images and on the held-out corrections, and publishes it to the
registry as a new candidate version. Store and registry as for "mnist serve" (DATA_DIR, or
CASSANDRA_*); TF_BACKEND picks the training backend. Progress on stderr; last line on stdout:
{"version":"...","parent":"...","mnistTestAccuracy":...,"heldOutCorrectionAccuracy":...,...}

Flags:
  --from VERSION          version to fine-tune (default: the active one)
  --epochs N              passes over the mix (default ${DEFAULT_RETRAIN.epochs})
  --seed N                seeds the sample, order, augmentation and dropout (default ${DEFAULT_RETRAIN.seed})
  --mnist-sample N        MNIST training examples in the mix (default ${DEFAULT_RETRAIN.mnistSample})
  --correction-share X    share of the mix made of repeated corrections, 0..0.5 (default ${DEFAULT_RETRAIN.correctionShare})
  --learning-rate X       Adam's learning rate (default ${DEFAULT_RETRAIN.learningRate})
  --batch-size N          examples per step (default ${DEFAULT_RETRAIN.batchSize})
  --train-convolutions    train every layer (default: the dense layers only; ~3x faster)
  --shuffle-labels        shuffle the MNIST labels: a deliberately bad candidate, to see the gates reject it`;

/** Entry point of `mnist retrain`. */
export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(
    args,
    {
      from: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      'mnist-sample': { type: 'string' },
      'correction-share': { type: 'string' },
      'learning-rate': { type: 'string' },
      'batch-size': { type: 'string' },
      'train-convolutions': { type: 'boolean' },
      'shuffle-labels': { type: 'boolean' },
    },
    USAGE,
  );
  if (flags === null) return;
  const config = loadConfig();
  const options = {
    ...(flags.from === undefined ? {} : { from: flags.from }),
    epochs: positiveInt('epochs', flags.epochs) ?? DEFAULT_RETRAIN.epochs,
    seed: positiveInt('seed', flags.seed) ?? DEFAULT_RETRAIN.seed,
    mnistSample: positiveInt('mnist-sample', flags['mnist-sample']) ?? DEFAULT_RETRAIN.mnistSample,
    correctionShare: numberIn('correction-share', flags['correction-share'], 0, 0.5) ?? DEFAULT_RETRAIN.correctionShare,
    learningRate: numberIn('learning-rate', flags['learning-rate'], 1e-7, 1) ?? DEFAULT_RETRAIN.learningRate,
    batchSize: positiveInt('batch-size', flags['batch-size']) ?? DEFAULT_RETRAIN.batchSize,
    trainConvolutions: flags['train-convolutions'] === true,
    shuffleLabels: flags['shuffle-labels'] === true,
    trainingBackend: config.trainingBackend,
    progress: process.stderr,
  };
  printResult(await withLifecycle(config, (deps) => retrain(deps, options)));
}
