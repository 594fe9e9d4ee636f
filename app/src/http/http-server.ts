import { randomUUID } from 'node:crypto';
import { createServer, maxHeaderSize, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AppError, HeadersTooLargeError, InvalidRequestError, MethodNotAllowedError, PayloadTooLargeError, RequestTimeoutError } from '../errors.js';
import type { AppMetrics } from '../metrics.js';
import { answerAndClose, isAnswered } from './raw-response.js';
import type { AppState } from './request-context.js';
import { isDiscarding } from './unread-body.js';

/**
 * The Node HTTP server around the Koa app, with its limits: how long a client may take over its
 * headers and its whole request, how often Node checks, and a JSON answer for everything Node
 * refuses before Koa ever sees a request. main.ts and the tests build the server here.
 */

/** How often Node looks for connections past headersTimeout or requestTimeout (its default, 30 s, let them overstay by that much). */
export const CONNECTION_CHECK_INTERVAL_MS = 1_000;

export type HttpServerConfig = Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs' | 'maxConnections'>;

export interface HttpServerDeps {
  readonly logger: Logger;
  readonly metrics: AppMetrics;
}

/** Node's names for what its parser refused, as the API's named errors. */
export function describeClientError(error: NodeJS.ErrnoException & { reason?: string }, receivingBody: boolean, config: HttpServerConfig): AppError | undefined {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HeadersTooLargeError(`the request line and headers are over the limit of ${maxHeaderSize} bytes`);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new PayloadTooLargeError('the chunk extensions of the request body are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return receivingBody
        ? new RequestTimeoutError(`the request was not received within ${config.headersTimeoutMs + config.requestTimeoutMs} ms`)
        : new RequestTimeoutError(`the request line and headers were not received within ${config.headersTimeoutMs} ms`);
    default:
      // llhttp's reasons are fixed strings ("Invalid method encountered"), never request bytes.
      return error.code?.startsWith('HPE_') ? new InvalidRequestError(`the request is not valid HTTP/1.1: ${error.reason ?? error.code}`) : undefined;
  }
}

/**
 * Builds the server: the Koa app answers requests (and `Expect` headers other than
 * 100-continue, which Node would refuse with a bare 417); parser errors, header timeouts and
 * CONNECT get the JSON error shape written on the socket.
 */
export function createHttpServer(app: Koa<AppState>, config: HttpServerConfig, deps: HttpServerDeps): Server {
  const handle = app.callback();
  // The exchange a socket is working on, so that a parser error can tell whether it broke
  // this request's body, or a request pipelined after it (which must wait for this answer).
  const exchanges = new WeakMap<Duplex, { req: IncomingMessage; res: ServerResponse }>();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket;
    exchanges.set(socket, { req, res });
    res.once('finish', () => {
      if (exchanges.get(socket)?.res === res) exchanges.delete(socket);
    });
    void handle(req, res);
  };

  const server = createServer(
    {
      // Checked by the app (request-shape.ts), so that a missing Host gets a JSON 400 too.
      requireHostHeader: false,
      connectionsCheckingInterval: CONNECTION_CHECK_INTERVAL_MS,
      headersTimeout: config.headersTimeoutMs,
      // Receiving the whole request; the app answers before this (request-shape.ts, limits.ts).
      requestTimeout: config.headersTimeoutMs + config.requestTimeoutMs,
    },
    onRequest,
  );
  // A connection silent both ways this long is dead (a client that stopped reading our answer).
  server.timeout = config.headersTimeoutMs + config.requestTimeoutMs;
  // Past this, Node closes new connections at once: a flood of idle ones cannot grow memory.
  server.maxConnections = config.maxConnections;
  server.on('checkExpectation', onRequest);

  const answer = (socket: Duplex, error: AppError, cause: string): void => {
    const requestId = randomUUID();
    deps.metrics.clientErrors.inc({ code: error.code });
    deps.logger.info({ requestId, status: error.status, code: error.code, cause }, 'client error');
    answerAndClose(socket, error, requestId);
  };

  const deferred = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex) => {
    if (isAnswered(socket) || deferred.has(socket)) return;
    const exchange = exchanges.get(socket);
    const mapped = describeClientError(error, exchange !== undefined, config);
    // A reset, a client gone, or an answer already on its way: nothing useful can be written.
    if (mapped === undefined || exchange?.res.headersSent === true || isDiscarding(socket)) {
      socket.destroy();
      return;
    }
    if (exchange?.req.complete === true) {
      // The broken bytes follow a whole request still being answered: that answer goes first.
      deferred.add(socket);
      exchange.res.once('finish', () => answer(socket, mapped, error.code ?? 'unknown'));
      exchange.res.once('close', () => {
        if (!exchange.res.writableFinished) socket.destroy();
      });
      return;
    }
    answer(socket, mapped, error.code ?? 'unknown');
  });

  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    answer(socket, new MethodNotAllowedError('CONNECT is not supported: this is not a proxy'), 'CONNECT');
  });
  return server;
}
