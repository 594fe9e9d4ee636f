import { performance } from 'node:perf_hooks';
import type Router from '@koa/router';
import type { AppState } from '../http/request-context.js';
import { createImageReader } from '../http/image-upload.js';
import type { BodyBudget } from '../http/body-budget.js';
import type { AppDeps } from '../app-deps.js';
import type { DecodeLimiter } from '../preprocess/decode-limiter.js';
import { newPredictionId } from '../store/ids.js';
import type { PredictionRecord } from '../store/prediction-store.js';
import { toPredictionJson } from './prediction-json.js';
import { callStore } from '../metrics.js';
import type { Classifier, Recognition } from '../inference/classifier-types.js';
import { UnknownModelVersionError } from '../errors.js';
import { MODEL_VERSION_HEADER, readModelVersionHeader } from '../http/model-version-header.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';

type PredictDeps = Pick<AppDeps, 'config' | 'store' | 'classifier' | 'serving' | 'preprocess' | 'metrics'> & {
  /** Bounds the upload bytes all requests hold at once. */
  readonly bodyBudget: BodyBudget;
  /** Bounds the images decoded, and waiting to be, at once. */
  readonly decoder: DecodeLimiter;
};

/** Milliseconds rounded to 1/100: finer digits are noise and bloat every stored row. */
function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

type Recogniser = (bytes: Buffer, limits: PreprocessLimits, signal: AbortSignal | undefined) => Promise<Recognition>;

/**
 * Upload -> what the model saw and its answer, in the decode limiter's turn. Where the model
 * runs in worker threads (classifier.recognise), the upload goes there whole, to be
 * preprocessed and batched beside the model; else it is preprocessed here, then classified.
 */
function createRecogniser(deps: Pick<PredictDeps, 'classifier' | 'preprocess' | 'decoder'>): Recogniser {
  const { classifier, preprocess, decoder } = deps;
  if (classifier.recognise !== undefined) return (bytes, limits, signal) => decoder.run(() => classifier.recognise!(bytes, limits), signal);
  return async (bytes, limits, signal) => {
    const image = await decoder.run(() => preprocess(bytes, limits), signal);
    return { input: image.input, classification: await classifier.classify(image.pixels) };
  };
}

/** Runs a call on the one named version: serving's pinned call, or the fixed classifier of a test app if it is that version. */
type PinnedRun = <T>(version: string, call: (c: Classifier) => Promise<T>) => Promise<T>;

function createPinnedRecogniser(deps: Pick<PredictDeps, 'classifier' | 'serving' | 'preprocess' | 'decoder'>): (version: string) => Promise<Recogniser> {
  const { classifier, serving, preprocess, decoder } = deps;
  const run: PinnedRun = serving !== undefined ? (version, call) => serving.callPinned(version, call) : (_version, call) => call(classifier);
  const prepare = serving !== undefined
    ? (version: string) => serving.preparePinned(version)
    : async (version: string) => {
        if (version !== classifier.modelVersion) throw new UnknownModelVersionError(`model version ${version} is not served here`);
      };
  const tag = (answer: Recognition, version: string): Recognition => ({ ...answer, classification: { ...answer.classification, modelVersion: version } });
  // Loaded (or refused) before the request waits for a decoder: a load never holds a decode slot.
  return async (version) => {
    await prepare(version);
    if (classifier.recognise !== undefined) {
      return (bytes, limits, signal) => decoder.run(() => run(version, (c) => {
        if (c.recognise === undefined) throw new Error('this model takes no uploads (loaded with another INFERENCE_THREAD)');
        return c.recognise(bytes, limits);
      }), signal).then((answer) => tag(answer, version));
    }
    return async (bytes, limits, signal) => {
      const image = await decoder.run(() => preprocess(bytes, limits), signal);
      return tag({ input: image.input, classification: await run(version, (c) => c.classify(image.pixels)) }, version);
    };
  };
}

/**
 * `POST /api/predictions`: image (multipart field `image` or raw image/* body) ->
 * preprocess (in its turn: the decode limiter) -> classify -> record -> 201. The record is
 * durable before the client hears 201; a store that cannot keep it rejects with
 * UnavailableError and the client gets 503. `X-Model-Version: <version>` pins the answering
 * version (http/model-version-header.ts); an unknown one is a 400 unknown_model_version.
 */
export function registerPredictRoute(router: Router<AppState>, deps: PredictDeps): void {
  const { config, store, classifier, metrics } = deps;
  const readImage = createImageReader(config.maxBodyBytes, deps.bodyBudget);
  const recognise = createRecogniser(deps);
  const pinnedRecogniser = createPinnedRecogniser(deps);
  const { maxInputPixels, maxImageSidePx, maxImageFrames, decodeTimeoutMs } = config;
  const limits = { maxInputPixels, maxImageSidePx, maxImageFrames, decodeTimeoutMs };

  router.post('/api/predictions', async (ctx) => {
    const pinned = readModelVersionHeader(ctx.request.headers[MODEL_VERSION_HEADER]);
    const upload = await readImage(ctx);
    const recogniser = pinned === null ? recognise : await pinnedRecogniser(pinned);
    const { input, classification: result } = await recogniser(upload.bytes, limits, ctx.state.signal);
    const createdAt = new Date();
    const record: PredictionRecord = {
      id: newPredictionId(createdAt),
      createdAt,
      digit: result.digit,
      confidence: result.confidence,
      probabilities: result.probabilities,
      // The version that answered (during a switch or a canary, not necessarily the active one).
      modelVersion: result.modelVersion ?? classifier.modelVersion,
      input,
      source: upload.source,
      latencyMs: roundMs(performance.now() - ctx.state.startedAtMs),
      feedbackLabel: null,
      feedbackAt: null,
    };
    await callStore(metrics, 'record', () => store.record(record));
    metrics.predictionsByDigit.inc({ digit: String(record.digit), source: record.source });
    metrics.predictionsByModel.inc({ model_version: record.modelVersion });
    ctx.status = 201;
    ctx.set('Location', `/api/predictions/${record.id}`);
    ctx.body = { ...toPredictionJson(record), backend: classifier.backend };
  });
}
