import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_CARD, readModelCard, type ModelCard } from '../model/model-card.js';
import { sha256Hex } from './model-files.js';
import type { ModelFiles, ModelRegistry, ModelVersionCard } from './model-registry.js';

/** The files a model directory may hold, as the registry stores them (ONNX for serving, TF.js for training). */
export const MODEL_FILE_NAMES = ['model.onnx', 'model.json', 'weights.bin', MODEL_CARD] as const;

/** The files of MODEL_FILE_NAMES that `dir` holds; throws when it has no model at all. */
export async function readModelFiles(dir: string): Promise<ModelFiles> {
  const files = new Map<string, Uint8Array>();
  for (const name of MODEL_FILE_NAMES) {
    try {
      files.set(name, new Uint8Array(await readFile(path.join(dir, name))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  if (!files.has('model.onnx') && !files.has('model.json')) throw new Error(`${dir} has neither model.onnx nor model.json`);
  return files;
}

/** The registry card of a model trained from scratch (the committed one): no parent, no corrections. */
export function cardOfTrainedModel(card: ModelCard, files: ModelFiles): ModelVersionCard {
  return {
    version: card.version,
    parent: null,
    createdAt: card.createdAt,
    data: { mnistExamples: card.trainExamples, corrections: 0, heldOutCorrections: 0 },
    seed: card.seed,
    epochs: card.epochs,
    mnistTestAccuracy: card.testAccuracy,
    heldOutCorrectionAccuracy: null,
    files: Object.fromEntries([...files].map(([name, bytes]) => [name, sha256Hex(bytes)])),
    details: { architecture: card.architecture.summary, parameters: card.parameters, trainingTimeSeconds: card.trainingTimeSeconds, backend: card.backend },
  };
}

export interface SeedResult {
  /** The version serving after the call (the seeded one, or whatever already served). */
  readonly active: string;
  /** This call stored the committed model (false: it was there, or something already served). */
  readonly published: boolean;
  /** This call made it active (false: serving state existed, or another replica won the race). */
  readonly activated: boolean;
}

/**
 * Gives an empty registry its first version: the committed model in `modelDir`, made active.
 * Does nothing when something already serves. Replicas starting together may all get here:
 * publish is idempotent and activation is a compare-and-set from revision 0, so exactly one
 * of them activates (and records it), and the others read the state it set.
 */
export async function seedRegistry(registry: ModelRegistry, modelDir: string): Promise<SeedResult> {
  const before = await registry.serving();
  if (before !== null) return { active: before.active, published: false, activated: false };
  const files = await readModelFiles(modelDir);
  const card = cardOfTrainedModel(await readModelCard(modelDir), files);
  const figures = { mnistTestAccuracy: card.mnistTestAccuracy, modelDir };
  const published = await registry.publish(card, files);
  if (published) {
    await registry.recordDecision({ at: new Date(), version: card.version, kind: 'published', reason: 'the committed model, seeded into an empty registry', figures });
  }
  const activated = await registry.setServing({ active: card.version, canary: null, reason: `seed: the committed model ${card.version}` }, 0);
  if (activated) {
    await registry.recordDecision({ at: new Date(), version: card.version, kind: 'activated', reason: 'first version of an empty registry', figures });
    return { active: card.version, published, activated };
  }
  const after = await registry.serving();
  return { active: after?.active ?? card.version, published, activated };
}
