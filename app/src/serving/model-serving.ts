import { errorSummary } from '../errors.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { LiveStatsCollector } from './live-stats.js';
import type { Classifier } from '../inference/classifier-types.js';
import type { ModelCallListener, ModelRouter } from './model-router.js';
import { ModelSwitcher, type ModelSwitcherOptions, type ServingStatus } from './model-switcher.js';

/**
 * Serving model versions on one replica: the switcher that follows the registry, the router
 * the routes call, and the live stats this replica reports for each version (what a canary is
 * judged on). What main.ts starts and stops.
 */

export interface ModelServingOptions extends ModelSwitcherOptions {
  /** Who reports the live stats (REPLICA_NAME). */
  readonly replica: string;
  /** How often they are reported (MODEL_LIVE_REPORT_MS). */
  readonly liveReportMs: number;
}

/** The part the HTTP app sees: what serves, each model call (for metrics), and calls pinned to a version. */
export interface ServingView {
  status(): ServingStatus;
  onCall(listener: ModelCallListener): void;
  /** Loads `version` unless routed (ModelRouter.preparePinned); throws UnknownModelVersionError for an unknown one. */
  preparePinned(version: string): Promise<void>;
  /** Runs `call` on `version` only (ModelRouter.callPinned). */
  callPinned<T>(version: string, call: (c: Classifier) => Promise<T>): Promise<T>;
}

export interface ModelServing extends ServingView {
  /** The Classifier for the routes: routes each request to the active version or the canary. */
  readonly classifier: ModelRouter;
  /** Polls the registry now instead of at the next interval. */
  refresh(): Promise<void>;
  /** Stops polling and reports the last live stats (the registry must still be open). Idempotent. */
  stop(): Promise<void>;
  /** Stops, then disposes every model (after the storage is closed: see main.ts). Idempotent. */
  dispose(): Promise<void>;
}

/** Every `intervalMs`, sends the figures gathered since the last report; returns the final flush. */
function startLiveReports(registry: ModelRegistry, stats: LiveStatsCollector, options: ModelServingOptions): () => Promise<void> {
  let lastError: string | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  const report = (): Promise<void> => {
    const batch = stats.drain(options.replica, new Date());
    inFlight = inFlight.then(async () => {
      try {
        for (const live of batch) await registry.reportLive(live);
        lastError = null;
      } catch (error) {
        // An interval's figures are dropped rather than piled up: a canary judges recent minutes.
        const message = errorSummary(error);
        if (message !== lastError) options.logger.warn({ err: error, versions: batch.map((b) => b.version) }, 'live stats not reported');
        lastError = message;
      }
    });
    return inFlight;
  };
  const timer = setInterval(() => void report(), options.liveReportMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    return report();
  };
}

/** Loads what the registry serves (throws StartupError when it cannot) and starts following it. */
export async function startModelServing(options: ModelServingOptions): Promise<ModelServing> {
  const switcher = await ModelSwitcher.start(options);
  const router = switcher.router;
  const stats = new LiveStatsCollector();
  router.onCall((event) => {
    // A canary is judged on live users' traffic: calls a client pinned (a shadow replay) are not that.
    if (event.role === 'pinned') return;
    if (event.outcome === 'answered') stats.recordAnswer(event.version, event.durationMs);
    else stats.recordFailure(event.version);
    if (event.outcome === 'failed' && event.role === 'canary') {
      options.logger.warn({ version: event.version, reason: errorSummary(event.error) }, 'canary model call failed: the active version answered instead');
    }
  });
  const stopReports = startLiveReports(options.registry, stats, options);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= switcher.stop().then(stopReports);
    return stopping;
  };
  return {
    classifier: router,
    status: () => switcher.status(),
    onCall: (listener) => router.onCall(listener),
    preparePinned: (version) => router.preparePinned(version),
    callPinned: (version, call) => router.callPinned(version, call),
    refresh: () => switcher.refresh(),
    stop,
    dispose: () => stop().then(() => router.dispose()),
  };
}
