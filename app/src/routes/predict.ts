import { performance } from 'node:perf_hooks';
import type Router from '@koa/router';
import type { AppState } from '../http/request-context.js';
import { createImageReader } from '../http/image-upload.js';
import type { AppDeps } from '../app-deps.js';
import { newPredictionId } from '../store/ids.js';
import type { PredictionRecord } from '../store/prediction-store.js';
import { toPredictionJson } from './prediction-json.js';
import { callStore } from '../metrics.js';
import type { Recognition } from '../inference/classifier-types.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';

type PredictDeps = Pick<AppDeps, 'config' | 'store' | 'classifier' | 'preprocess' | 'metrics'>;

/** Milliseconds rounded to 1/100: finer digits are noise and bloat every stored row. */
function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Upload -> what the model saw and its answer: in the classifier's thread when it offers that, else here. */
function createRecogniser(deps: Pick<AppDeps, 'classifier' | 'preprocess'>): (bytes: Buffer, limits: PreprocessLimits) => Promise<Recognition> {
  const { classifier, preprocess } = deps;
  if (classifier.recognise !== undefined) return (bytes, limits) => classifier.recognise!(bytes, limits);
  return async (bytes, limits) => {
    const image = await preprocess(bytes, limits);
    return { input: image.input, classification: await classifier.classify(image.pixels) };
  };
}

/**
 * `POST /api/predictions`: image (multipart field `image` or raw image/* body) ->
 * preprocess -> classify -> record -> 201. The record is durable before the client hears
 * 201; a store that cannot keep it rejects with UnavailableError and the client gets 503.
 */
export function registerPredictRoute(router: Router<AppState>, deps: PredictDeps): void {
  const { config, store, classifier, metrics } = deps;
  const readImage = createImageReader(config.maxBodyBytes);
  const recognise = createRecogniser(deps);
  const limits = { maxInputPixels: config.maxInputPixels };

  router.post('/api/predictions', async (ctx) => {
    const upload = await readImage(ctx);
    const { input, classification: result } = await recognise(upload.bytes, limits);
    const createdAt = new Date();
    const record: PredictionRecord = {
      id: newPredictionId(createdAt),
      createdAt,
      digit: result.digit,
      confidence: result.confidence,
      probabilities: result.probabilities,
      modelVersion: classifier.modelVersion,
      input,
      source: upload.source,
      latencyMs: roundMs(performance.now() - ctx.state.startedAtMs),
      feedbackLabel: null,
      feedbackAt: null,
    };
    await callStore(metrics, 'record', () => store.record(record));
    metrics.predictionsByDigit.inc({ digit: String(record.digit), source: record.source });
    ctx.status = 201;
    ctx.set('Location', `/api/predictions/${record.id}`);
    ctx.body = { ...toPredictionJson(record), backend: classifier.backend };
  });
}
