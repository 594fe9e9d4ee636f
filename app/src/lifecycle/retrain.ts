import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BackendChoice } from '../config.js';
import { readMnistTestSet, readMnistTrainSet } from '../mnist/mnist-data.js';
import { MODEL_CARD } from '../model/model-card.js';
import { MODEL_JSON, saveModel, WEIGHTS_BIN } from '../model/model-io.js';
import { sha256Hex } from '../models/model-files.js';
import type { ModelVersionCard } from '../models/model-registry.js';
import { readModelFiles } from '../models/seed-registry.js';
import { DEFAULT_AUGMENT } from '../training/augment.js';
import { formatDuration, ProgressBar, type ProgressStream } from '../training/progress-bar.js';
import { selectTrainingBackend } from '../training/wasm-training-kernels.js';
import { splitCorrections } from './correction-split.js';
import { accuracyOf, loadDigitModel } from './digit-model.js';
import { fineTune, type TrainLayers } from './fine-tune.js';
import { percent, type LifecycleDeps } from './lifecycle-deps.js';
import { checkOutVersion } from './model-dir.js';

/**
 * A retrain: fine-tune a version (the active one by default) on a sample of MNIST plus the
 * training side of the stored corrections, measure the result on the 10,000 MNIST test images
 * and on the held-out corrections, and publish it as a new version with its card. The version
 * name carries a hash of the weights, so the same inputs and seed give the same name.
 */

export interface RetrainOptions {
  /** The version to fine-tune; the active one when absent. */
  readonly from?: string;
  /** @default 2 */
  readonly epochs: number;
  /** @default 42 */
  readonly seed: number;
  /** MNIST training examples mixed in. @default 6000 */
  readonly mnistSample: number;
  /** Share of each epoch made of the (repeated) corrections. @default 0.15 */
  readonly correctionShare: number;
  /** Learning rate of the first epoch. @default 0.0003 */
  readonly learningRate: number;
  /** Factor applied to the learning rate after each epoch. @default 1 */
  readonly learningRateDecay: number;
  /** Share of the parent's weights blended back at the end (fine-tune.ts). @default 0.2 */
  readonly keepParent: number;
  /** @default 64 */
  readonly batchSize: number;
  readonly trainLayers: TrainLayers;
  /** A deliberately bad candidate (MNIST labels shuffled), to see the gates reject it. */
  readonly shuffleLabels: boolean;
  /** TF_BACKEND: the TF.js backend training runs on. */
  readonly trainingBackend: BackendChoice;
  /** Where the progress bar draws. */
  readonly progress: ProgressStream;
}

export const DEFAULT_RETRAIN = { epochs: 4, seed: 42, mnistSample: 10000, correctionShare: 0.15, learningRate: 0.0003, learningRateDecay: 1, keepParent: 0.2, batchSize: 64, trainLayers: 'dense' as TrainLayers } as const;

export interface RetrainResult {
  readonly version: string;
  readonly parent: string;
  readonly mnistTestAccuracy: number;
  readonly heldOutCorrectionAccuracy: number | null;
  /** The parent's accuracy on the same held-out corrections. */
  readonly parentHeldOutCorrectionAccuracy: number | null;
  readonly corrections: number;
  readonly heldOutCorrections: number;
  readonly trainingSeconds: number;
  /** False when this very version was already in the registry (a repeated, reproducible run). */
  readonly published: boolean;
}

/** "2026-12-04-ft-" + the first 8 hex digits of the SHA-256 of the topology and weights. */
async function nameVersion(dir: string, at: Date): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [MODEL_JSON, WEIGHTS_BIN]) hash.update(await readFile(path.join(dir, file)));
  return `${at.toISOString().slice(0, 10)}-ft-${hash.digest('hex').slice(0, 8)}`;
}

async function resolveParent(deps: LifecycleDeps, from: string | undefined): Promise<string> {
  if (from !== undefined) return from;
  const serving = await deps.registry.serving();
  if (serving === null) throw new Error('no version is active to fine-tune: pass --from VERSION');
  return serving.active;
}

/** Fine-tunes, measures, publishes (with the decision "published") and returns the figures. */
export async function retrain(deps: LifecycleDeps, options: RetrainOptions): Promise<RetrainResult> {
  const parent = await resolveParent(deps, options.from);
  if ((await deps.registry.get(parent)) === null) throw new Error(`no model version "${parent}" in the registry`);
  const backend = await selectTrainingBackend(options.trainingBackend);
  const [parentDir, mnist, test, corrections] = await Promise.all([checkOutVersion(deps.registry, parent), readMnistTrainSet(), readMnistTestSet(), deps.store.corrections()]);
  const outDir = await mkdtemp(path.join(tmpdir(), 'mnist-retrain-'));
  try {
    const split = splitCorrections(corrections);
    deps.log(
      `retrain ${parent} on ${backend.name}: ${options.mnistSample} MNIST examples + ${split.train.length} corrections (${split.heldOut.length} held out), ` +
        `${options.epochs} epochs, seed ${options.seed}${options.shuffleLabels ? ', MNIST labels SHUFFLED (a deliberately bad candidate)' : ''}`,
    );
    const progress = new ProgressBar(options.progress);
    const startedAt = Date.now();
    const tuned = await fineTune({
      parentDir: parentDir.dir,
      mnist,
      mnistSample: options.mnistSample,
      corrections: split.train,
      correctionShare: options.correctionShare,
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      learningRateDecay: options.learningRateDecay,
      keepParent: options.keepParent,
      seed: options.seed,
      augment: DEFAULT_AUGMENT,
      trainLayers: options.trainLayers,
      shuffleLabels: options.shuffleLabels,
      onBatch: (p) => progress.update(p),
    });
    const trainingSeconds = (Date.now() - startedAt) / 1000;
    try {
      await saveModel(tuned.model, outDir);
    } finally {
      tuned.model.dispose();
    }
    progress.log(`trained in ${formatDuration(trainingSeconds)}: ${tuned.history.map((e) => `epoch ${e.epoch} loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)}`).join(', ')}`);

    const createdAt = deps.now?.() ?? new Date();
    const version = await nameVersion(outDir, createdAt);
    const training = {
      method: `fine-tune of ${parent}`,
      backend: backend.name,
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      learningRateDecay: options.learningRateDecay,
      keepParent: options.keepParent,
      optimizer: 'adam',
      layersTrained: options.trainLayers,
      augmentation: DEFAULT_AUGMENT,
      mix: tuned.mix,
      shuffledLabels: options.shuffleLabels,
      history: tuned.history,
      trainingSeconds: Math.round(trainingSeconds),
    };
    // The card inside the files names the version (the inference runtime reads it) and how it was made.
    const fileCard = { version, parent, createdAt: createdAt.toISOString(), seed: options.seed, training };
    await writeFile(path.join(outDir, MODEL_CARD), `${JSON.stringify(fileCard, null, 2)}\n`);

    const heldOutLabels = split.heldOut.map((c) => c.label);
    const heldOutInputs = split.heldOut.map((c) => c.input);
    const candidate = await loadDigitModel({ modelDir: outDir, ...deps.inference });
    const parentModel = await loadDigitModel({ modelDir: parentDir.dir, ...deps.inference }).catch((error: unknown) => {
      candidate.dispose();
      throw error;
    });
    let mnistTestAccuracy: number;
    let heldOutCorrectionAccuracy: number | null;
    let parentHeldOutCorrectionAccuracy: number | null;
    try {
      mnistTestAccuracy = accuracyOf(await candidate.answer(test.images), test.labels)!;
      heldOutCorrectionAccuracy = accuracyOf(await candidate.answer(heldOutInputs), heldOutLabels);
      parentHeldOutCorrectionAccuracy = accuracyOf(await parentModel.answer(heldOutInputs), heldOutLabels);
    } finally {
      candidate.dispose();
      parentModel.dispose();
    }
    deps.log(
      `${version}: MNIST test accuracy ${percent(mnistTestAccuracy)}; held-out corrections ${percent(heldOutCorrectionAccuracy)} ` +
        `(parent ${percent(parentHeldOutCorrectionAccuracy)}, ${split.heldOut.length} corrections)`,
    );

    const files = await readModelFiles(outDir);
    const card: ModelVersionCard = {
      version,
      parent,
      createdAt: createdAt.toISOString(),
      data: { mnistExamples: tuned.mix.mnistExamples, corrections: split.train.length, heldOutCorrections: split.heldOut.length },
      seed: options.seed,
      epochs: options.epochs,
      mnistTestAccuracy,
      heldOutCorrectionAccuracy,
      files: Object.fromEntries([...files].map(([name, bytes]) => [name, sha256Hex(bytes)])),
      details: { ...training, parentHeldOutCorrectionAccuracy, mnistTestImages: test.images.length },
    };
    const published = (await deps.registry.get(version)) === null;
    // What the decision records and the command prints alike.
    const measured = {
      parent,
      mnistTestAccuracy,
      heldOutCorrectionAccuracy,
      parentHeldOutCorrectionAccuracy,
      corrections: split.train.length,
      heldOutCorrections: split.heldOut.length,
    };
    if (published) {
      await deps.registry.publish(card, files);
      await deps.registry.recordDecision({
        at: createdAt,
        version,
        kind: 'published',
        reason: `fine-tuned from ${parent} on ${tuned.mix.mnistExamples} MNIST examples and ${split.train.length} corrections: MNIST ${percent(mnistTestAccuracy)}, held-out corrections ${percent(heldOutCorrectionAccuracy)} (parent ${percent(parentHeldOutCorrectionAccuracy)})`,
        figures: {
          ...measured,
          mnistExamples: tuned.mix.mnistExamples,
          seed: options.seed,
          epochs: options.epochs,
          trainingSeconds: Math.round(trainingSeconds),
        },
      });
    } else {
      deps.log(`${version} is already in the registry (same weights): not published again`);
    }
    return {
      version,
      ...measured,
      trainingSeconds: Math.round(trainingSeconds * 10) / 10,
      published,
    };
  } finally {
    await parentDir.remove();
    await rm(outDir, { recursive: true, force: true });
  }
}
