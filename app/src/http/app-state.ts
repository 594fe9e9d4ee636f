import type { Middleware, ParameterizedContext } from 'koa';

/** Per-request state every middleware and route can rely on (set by request-context.ts). */
export interface AppState {
  /** Sanitised incoming `x-request-id`, or a fresh UUID. Echoed on every response. */
  requestId: string;
  /** performance.now() when the request entered the app: the base of every latency figure. */
  startedAtMs: number;
}

/** The Koa context type of this app's middleware and routes. */
export type AppContext = ParameterizedContext<AppState>;

/** A middleware of this app. */
export type AppMiddleware = Middleware<AppState>;
