import Koa from 'koa';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  EmptyImageError,
  InvalidRequestError,
  MissingImageError,
  NotFoundError,
  PayloadTooLargeError,
  TimeoutError,
  UnavailableError,
  UnsupportedImageError,
} from '../errors.js';
import type { AppState } from './request-context.js';
import { createErrorMiddleware, mapError } from './error-middleware.js';
import { createRequestContext } from './request-context.js';

describe('mapError', () => {
  const cases = [
    [new MissingImageError('no image'), 400, 'missing_image'],
    [new InvalidRequestError('bad label'), 400, 'invalid_request'],
    [new NotFoundError('no such id'), 404, 'not_found'],
    [new PayloadTooLargeError('too big'), 413, 'payload_too_large'],
    [new UnsupportedImageError('a PDF'), 415, 'unsupported_image'],
    [new EmptyImageError('blank'), 422, 'no_ink'],
    [new UnavailableError('spool full'), 503, 'unavailable'],
    [new TimeoutError('slow'), 504, 'timeout'],
  ] as const;

  for (const [error, status, code] of cases) {
    it(`maps ${error.name} to ${status} ${code} with its message`, () => {
      const mapped = mapError(error, 'req-1');
      expect(mapped.status).toBe(status);
      expect(mapped.body.error.code).toBe(code);
      expect(mapped.body.error.message).toBe(error.message);
      expect(mapped.internal).toBe(false);
    });
  }

  it('adds the request id to 5xx bodies only', () => {
    expect(mapError(new UnavailableError('x'), 'req-2').body.error.requestId).toBe('req-2');
    expect(mapError(new NotFoundError('x'), 'req-2').body.error.requestId).toBeUndefined();
  });

  it('hides the message of an unknown error behind "internal error"', () => {
    const mapped = mapError(new TypeError('Cannot read properties of undefined (reading "x") at /srv/app'), 'req-3');
    expect(mapped).toEqual({
      status: 500,
      body: { error: { code: 'internal', message: 'internal error', requestId: 'req-3' } },
      internal: true,
    });
  });

  it('treats thrown non-errors as internal', () => {
    expect(mapError('a string', 'r').status).toBe(500);
    expect(mapError(undefined, 'r').status).toBe(500);
  });

  it('keeps the safe message of Koa 4xx errors (expose: true)', () => {
    const error = Object.assign(new Error('request aborted'), { status: 400, expose: true });
    expect(mapError(error, 'r')).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: 'request aborted' } } });
  });

  it('does not trust a status on an error that does not say it is safe', () => {
    const error = Object.assign(new Error('db password wrong'), { status: 401 });
    expect(mapError(error, 'r')).toMatchObject({ status: 500, body: { error: { message: 'internal error' } } });
  });
});

describe('createErrorMiddleware', () => {
  function appThatThrows(error: unknown): Koa<AppState> {
    const app = new Koa<AppState>();
    app.silent = true;
    app.use(createRequestContext());
    app.use(createErrorMiddleware(pino({ level: 'silent' })));
    app.use(() => {
      throw error;
    });
    return app;
  }

  it('writes the JSON body, status and request id for a named error', async () => {
    const res = await request(appThatThrows(new EmptyImageError('the image has no ink')).callback()).get('/');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: { code: 'no_ink', message: 'the image has no ink' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('writes a 500 JSON body for an unknown error without its message', async () => {
    const res = await request(appThatThrows(new Error('secret')).callback()).get('/');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'internal', message: 'internal error' });
    expect(res.text).not.toContain('secret');
  });

  it('logs the cause of a named 5xx with the request id, one line, and never sends it', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const app = new Koa<AppState>();
    app.use(createRequestContext());
    app.use(createErrorMiddleware(logger));
    const driverError = new Error('All host(s) tried for query failed. First host tried, 10.0.0.7:9042: timeout\n    at stack frame');
    driverError.name = 'NoHostAvailableError';
    app.use(() => {
      throw new UnavailableError('prediction store unavailable (reading a prediction)', { cause: driverError });
    });
    const res = await request(app.callback()).get('/');
    expect(res.status).toBe(503);
    expect(res.text).not.toContain('10.0.0.7');
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry['msg'] === 'request failed');
    expect(logged).toMatchObject({
      requestId: res.headers['x-request-id'],
      code: 'unavailable',
      cause: 'NoHostAvailableError: All host(s) tried for query failed. First host tried, 10.0.0.7:9042: timeout',
    });
  });

  it('turns a bodyless 404 into the JSON error shape', async () => {
    const app = new Koa<AppState>();
    app.use(createRequestContext());
    app.use(createErrorMiddleware(pino({ level: 'silent' })));
    const res = await request(app.callback()).get('/missing');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'not found' } });
  });
});
