import type Router from '@koa/router';
import type { AppDeps } from '../app-deps.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { AppState } from '../http/request-context.js';
import type { LiveStats, ModelDecision, ModelVersionCard, ServingState } from '../models/model-registry.js';

/**
 * `GET /api/models` and `GET /api/models/:version`: the versions with their cards, which one
 * serves (and the canary with its share), and for one version the decisions taken about it and
 * the live figures the replicas reported. Read straight from the registry: the cluster-wide
 * truth, not what this replica happens to have loaded (that is in /readyz).
 */

/** Live stats shown by default: the recent past a canary is judged on, not a day of rows. */
export const DEFAULT_LIVE_WINDOW_MS = 15 * 60_000;
const MAX_LIVE_WINDOW_MS = 24 * 3_600_000;

export interface ModelsJson {
  readonly active: string | null;
  readonly canary: { readonly version: string; readonly weight: number } | null;
  readonly revision: number;
  readonly versions: readonly ModelVersionCard[];
}

export interface ModelDetailJson {
  readonly card: ModelVersionCard;
  readonly decisions: readonly (Omit<ModelDecision, 'at'> & { readonly at: string })[];
  readonly live: readonly (Omit<LiveStats, 'at'> & { readonly at: string })[];
  readonly serving: 'active' | 'canary' | null;
}

function servingRole(state: ServingState | null, version: string): ModelDetailJson['serving'] {
  if (state?.active === version) return 'active';
  if (state?.canary?.version === version) return 'canary';
  return null;
}

/** `?windowMs=`: how far back live stats go (default 15 minutes, at most the day they are kept). */
function readWindowMs(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIVE_WINDOW_MS;
  const value = typeof raw === 'string' && /^[0-9]{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= MAX_LIVE_WINDOW_MS)) {
    throw new InvalidRequestError(`windowMs must be an integer from 1 to ${MAX_LIVE_WINDOW_MS}`);
  }
  return value;
}

export function registerModelRoutes(router: Router<AppState>, deps: Pick<AppDeps, 'registry'>): void {
  const { registry } = deps;

  router.get('/api/models', async (ctx) => {
    const [state, versions] = await Promise.all([registry.serving(), registry.list()]);
    const body: ModelsJson = {
      active: state?.active ?? null,
      canary: state?.canary ?? null,
      revision: state?.revision ?? 0,
      versions,
    };
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  });

  router.get('/api/models/:version', async (ctx) => {
    const version = ctx.params.version ?? '';
    const windowMs = readWindowMs(ctx.query.windowMs);
    const card = await registry.get(version);
    if (card === null) throw new NotFoundError(`no model version ${version.slice(0, 128)}`);
    const [decisions, live, state] = await Promise.all([
      registry.decisions(version),
      registry.liveStats(version, new Date(Date.now() - windowMs)),
      registry.serving(),
    ]);
    const body: ModelDetailJson = {
      card,
      decisions: decisions.map((d) => ({ ...d, at: d.at.toISOString() })),
      live: live.map((l) => ({ ...l, at: l.at.toISOString() })),
      serving: servingRole(state, version),
    };
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  });
}
