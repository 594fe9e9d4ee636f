import type Router from '@koa/router';
import type { AppState } from '../http/request-context.js';
import type { AppDeps } from '../app-deps.js';
import type { StoreHealth } from '../store/prediction-store.js';
import type { ServingStatus } from '../serving/model-switcher.js';
import { callStore } from '../metrics.js';
import { errorMessage } from '../errors.js';

type HealthDeps = Pick<AppDeps, 'store' | 'classifier' | 'metrics' | 'serving'>;

/** A store health check slower than this counts as a failure: /readyz must answer promptly. */
export const STORE_HEALTH_TIMEOUT_MS = 2_000;

export interface Readiness {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly classifier: { readonly ok: boolean; readonly backend: string; readonly modelVersion: string; readonly detail: string };
  readonly store: { readonly ok: boolean; readonly kind: string; readonly detail: string; readonly backlog: number };
  /**
   * The versions this replica serves (active, canary and its share) and whether that is what the
   * registry wants (`pending`: why not). Informational: a pending switch does not make the
   * replica unready, since the previous version keeps answering. Absent with a fixed classifier.
   */
  readonly serving?: ServingStatus;
}

/** The store's own health, or a failed one when it throws or does not answer in time. */
export async function checkStore(deps: Pick<AppDeps, 'store' | 'metrics'>): Promise<StoreHealth> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `health check took over ${STORE_HEALTH_TIMEOUT_MS} ms`, backlog: 0 }), STORE_HEALTH_TIMEOUT_MS);
  });
  try {
    const health = await Promise.race([callStore(deps.metrics, 'health', () => deps.store.health()), late]);
    deps.metrics.storeBacklog.set(health.backlog);
    return health;
  } catch (error) {
    return { ok: false, detail: errorMessage(error), backlog: 0 };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process answers (liveness; never depends on the store, or a database
 * outage would restart every pod). `/readyz`: model loaded and its inference worker alive,
 * store usable, not draining; 503 with the failing part named otherwise.
 */
export function registerHealthRoutes(router: Router<AppState>, deps: HealthDeps, isDraining: () => boolean): void {
  const { store, classifier } = deps;

  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ok: true };
  });

  router.get('/readyz', async (ctx) => {
    const health = await checkStore(deps);
    const draining = isDraining();
    const model = classifier.health?.() ?? { ok: true, detail: 'loaded' };
    const body: Readiness = {
      ready: health.ok && model.ok && !draining,
      draining,
      classifier: { ok: model.ok, backend: classifier.backend, modelVersion: classifier.modelVersion, detail: model.detail },
      store: { ok: health.ok, kind: store.kind, detail: health.detail, backlog: health.backlog },
      ...(deps.serving === undefined ? {} : { serving: deps.serving.status() }),
    };
    ctx.set('Cache-Control', 'no-store');
    ctx.status = body.ready ? 200 : 503;
    ctx.body = body;
  });
}
