import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileChecksum } from '../mnist/mnist-data.js';

/** What was trained, how, on what data, and how well it did: committed beside the model. */

export const MODEL_CARD = 'model-card.json';

export interface EpochRecord {
  readonly epoch: number;
  readonly learningRate: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly validationLoss: number;
  readonly validationAccuracy: number;
  readonly seconds: number;
}

export interface ModelCard {
  /** e.g. "2026-11-25-cnn-e12-s42": training date, epochs, seed. */
  readonly version: string;
  readonly createdAt: string;
  readonly architecture: {
    readonly summary: string;
    /** One line per layer: name, class, output shape, parameters. */
    readonly layers: readonly string[];
  };
  readonly parameters: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly backend: string;
  readonly trainingTimeSeconds: number;
  readonly optimizer: string;
  readonly loss: string;
  /** What goes beyond the seed recipe (augmentation, schedule, extra dropout). */
  readonly additions: readonly string[];
  readonly trainExamples: number;
  readonly validationExamples: number;
  readonly testExamples: number;
  readonly validationAccuracy: number;
  /** Accuracy on the 10,000 MNIST test images, measured after the last epoch. */
  readonly testAccuracy: number;
  readonly data: {
    readonly source: string;
    readonly credit: string;
    readonly files: readonly FileChecksum[];
  };
  readonly history: readonly EpochRecord[];
}

/** Writes the card atomically (a reader never sees half of it). */
export async function writeModelCard(dir: string, card: ModelCard): Promise<void> {
  const file = path.join(dir, MODEL_CARD);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(card, null, 2)}\n`);
  await rename(tmp, file);
}

/** Reads the card; throws when it is missing or has no version (the service needs one). */
export async function readModelCard(dir: string): Promise<ModelCard> {
  const card = JSON.parse(await readFile(path.join(dir, MODEL_CARD), 'utf8')) as Partial<ModelCard>;
  if (typeof card.version !== 'string' || card.version === '') {
    throw new Error(`${path.join(dir, MODEL_CARD)} has no "version"`);
  }
  return card as ModelCard;
}
