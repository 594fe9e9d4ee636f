import { loadConfig } from '../config.js';
import { DEFAULT_RETRAIN, retrain } from '../lifecycle/retrain.js';
import { TRAIN_LAYERS, type TrainLayers } from '../lifecycle/fine-tune.js';
import { numberIn, parseFlags, positiveInt, UsageError } from './args.js';
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
  --learning-rate X       Adam's learning rate in the first epoch (default ${DEFAULT_RETRAIN.learningRate})
  --learning-rate-decay X factor applied to it after each epoch (default ${DEFAULT_RETRAIN.learningRateDecay})
  --keep-parent X         share of the parent's weights blended back at the end, 0..0.9 (default ${DEFAULT_RETRAIN.keepParent})
  --batch-size N          examples per step (default ${DEFAULT_RETRAIN.batchSize})
  --train-layers WHICH    output (the last layer), dense (both dense layers) or all (default ${DEFAULT_RETRAIN.trainLayers};
                          the convolutions cost ~3x the time)
  --shuffle-labels        shuffle the MNIST labels: a deliberately bad candidate, to see the gates reject it`;

function parseTrainLayers(raw: string | undefined): TrainLayers {
  if (raw === undefined) return DEFAULT_RETRAIN.trainLayers;
  if (!(TRAIN_LAYERS as readonly string[]).includes(raw)) throw new UsageError(`--train-layers must be one of ${TRAIN_LAYERS.join(', ')}, got "${raw}"`);
  return raw as TrainLayers;
}

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
      'learning-rate-decay': { type: 'string' },
      'keep-parent': { type: 'string' },
      'batch-size': { type: 'string' },
      'train-layers': { type: 'string' },
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
    learningRateDecay: numberIn('learning-rate-decay', flags['learning-rate-decay'], 0.01, 1) ?? DEFAULT_RETRAIN.learningRateDecay,
    keepParent: numberIn('keep-parent', flags['keep-parent'], 0, 0.9) ?? DEFAULT_RETRAIN.keepParent,
    batchSize: positiveInt('batch-size', flags['batch-size']) ?? DEFAULT_RETRAIN.batchSize,
    trainLayers: parseTrainLayers(flags['train-layers']),
    shuffleLabels: flags['shuffle-labels'] === true,
    trainingBackend: config.trainingBackend,
    progress: process.stderr,
  };
  printResult(await withLifecycle(config, (deps) => retrain(deps, options)));
}
