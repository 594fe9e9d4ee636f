import type Router from '@koa/router';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { AppState } from '../http/request-context.js';
import { readJsonBody } from '../http/limits.js';
import { timeOfPredictionId } from '../store/ids.js';
import type { AppDeps } from '../app-deps.js';
import { toPredictionJson } from './prediction-json.js';
import { callStore } from '../metrics.js';

type HistoryDeps = Pick<AppDeps, 'store' | 'metrics'>;

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** A feedback body is `{"label": 7}`; anything near this size is not one. */
const MAX_FEEDBACK_BYTES = 1024;

function parseLimit(raw: string | string[] | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  const limit = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

function parseCursor(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw new InvalidRequestError('cursor must be given once');
  return raw;
}

/** An id that is not a UUIDv7 cannot exist: 404 without asking the store (Cassandra would reject it). */
function parseId(raw: string | undefined): string {
  const id = raw ?? '';
  if (timeOfPredictionId(id) === null) throw new NotFoundError(`no prediction with id "${id.slice(0, 64)}"`);
  return id;
}

function parseLabel(body: unknown): number {
  const label = typeof body === 'object' && body !== null ? (body as { label?: unknown }).label : undefined;
  if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label > 9) {
    throw new InvalidRequestError('label must be an integer digit from 0 to 9, e.g. {"label": 7}');
  }
  return label;
}

/** History (`GET /api/predictions`), one record, and the user's correction (feedback). */
export function registerHistoryRoutes(router: Router<AppState>, deps: HistoryDeps): void {
  const { store, metrics } = deps;

  router.get('/api/predictions', async (ctx) => {
    const limit = parseLimit(ctx.query.limit);
    const cursor = parseCursor(ctx.query.cursor);
    const page = await callStore(metrics, 'list', () => store.list({ limit, cursor }));
    ctx.body = { items: page.items.map(toPredictionJson), nextCursor: page.nextCursor };
  });

  router.get('/api/predictions/:id', async (ctx) => {
    const id = parseId(ctx.params.id);
    const record = await callStore(metrics, 'get', () => store.get(id));
    if (record === null) throw new NotFoundError(`no prediction with id "${id}"`);
    ctx.body = toPredictionJson(record);
  });

  router.post('/api/predictions/:id/feedback', async (ctx) => {
    const id = parseId(ctx.params.id);
    const label = parseLabel(await readJsonBody(ctx.req, MAX_FEEDBACK_BYTES));
    const record = await callStore(metrics, 'feedback', () => store.setFeedback(id, label, new Date()));
    if (record === null) throw new NotFoundError(`no prediction with id "${id}"`);
    ctx.body = toPredictionJson(record);
  });
}
