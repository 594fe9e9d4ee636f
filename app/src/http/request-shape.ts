/**
 * What a request must look like before any route sees it, beyond what Node's parser already
 * enforces: HTTP/1.0 or 1.1, one valid Host (RFC 9112 §3.2: a server must answer 400 to a
 * request without one, with several, or with an invalid one), no transfer coding but chunked,
 * no expectation but 100-continue. Node would answer some of these itself, with an empty body;
 * here they become the API's named errors.
 */
import type { IncomingMessage } from 'node:http';
import { ExpectationFailedError, HttpVersionNotSupportedError, InvalidRequestError, NotImplementedError } from '../errors.js';
import type { AppMiddleware } from './request-context.js';

/** uri-host [ ":" port ]: an IP literal, or reg-name characters (letters, digits, -._~ sub-delims, %). */
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::\d{1,5})?$/;

/** The parts of a request its shape is judged by. */
export type RequestHead = Pick<IncomingMessage, 'httpVersion' | 'httpVersionMajor' | 'httpVersionMinor' | 'headers' | 'rawHeaders'>;

/** Every value of a header as sent, however many lines it took (Node joins or drops repeats). */
function rawValuesOf(req: RequestHead, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === name) values.push(req.rawHeaders[i + 1]!);
  }
  return values;
}

/** Throws the named error for the first rule `req` breaks. */
export function checkRequestShape(req: RequestHead): void {
  if (req.httpVersionMajor !== 1) {
    throw new HttpVersionNotSupportedError(`HTTP/${req.httpVersion} is not supported: use HTTP/1.1`);
  }
  const hosts = rawValuesOf(req, 'host');
  if (hosts.length > 1) throw new InvalidRequestError('the request has more than one Host header');
  const host = hosts[0];
  if (host === undefined && req.httpVersionMinor >= 1) throw new InvalidRequestError('the request has no Host header');
  if (host !== undefined && !VALID_HOST.test(host)) throw new InvalidRequestError('the Host header is not a valid host[:port]');

  const codings = req.headers['transfer-encoding'];
  if (codings !== undefined && codings.trim().toLowerCase() !== 'chunked') {
    throw new NotImplementedError('Transfer-Encoding other than chunked is not supported');
  }
  const expect = req.headers.expect;
  if (expect !== undefined && expect.trim().toLowerCase() !== '100-continue') {
    throw new ExpectationFailedError('the only expectation supported is Expect: 100-continue');
  }
}

/** The middleware form, placed inside the error middleware so its errors get the JSON shape. */
export function createRequestShapeCheck(): AppMiddleware {
  return async (ctx, next) => {
    checkRequestShape(ctx.req);
    await next();
  };
}
