import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { checkRequestShape, type RequestHead } from './request-shape.js';

/** A request head as Node parses it: rawHeaders as sent, headers lower-cased with repeats merged. */
function head(rawHeaders: string[], version = '1.1'): RequestHead {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] ??= rawHeaders[i + 1]!;
  const [major, minor] = version.split('.').map(Number);
  return { httpVersion: version, httpVersionMajor: major!, httpVersionMinor: minor!, rawHeaders, headers };
}

function refusal(req: RequestHead): { status: number; code: string; message: string } | undefined {
  try {
    checkRequestShape(req);
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { status: error.status, code: error.code, message: error.message };
  }
}

describe('checkRequestShape', () => {
  it.each([
    ['localhost:3000'],
    ['127.0.0.1'],
    ['[::1]:8080'],
    ['digits.mnist.svc.cluster.local'],
    ['xn--bcher-kva.example'],
  ])('accepts Host: %s', (host) => {
    expect(refusal(head(['Host', host]))).toBeUndefined();
  });

  it.each([
    ['no Host on HTTP/1.1', head([]), 400, 'the request has no Host header'],
    ['an empty Host', head(['Host', '']), 400, 'the Host header is not a valid host[:port]'],
    ['two Host lines', head(['Host', 'a', 'host', 'b']), 400, 'the request has more than one Host header'],
    ['a Host with a space', head(['Host', 'a b']), 400, 'the Host header is not a valid host[:port]'],
    ['a Host with a path', head(['Host', 'a/b']), 400, 'the Host header is not a valid host[:port]'],
    ['a Host with two ports', head(['Host', 'a:1:2']), 400, 'the Host header is not a valid host[:port]'],
    ['a Host with a port of letters', head(['Host', 'a:http']), 400, 'the Host header is not a valid host[:port]'],
    ['HTTP/0.9', head([], '0.9'), 505, 'HTTP/0.9 is not supported: use HTTP/1.1'],
    ['HTTP/2.0 in an HTTP/1 request line', head(['Host', 'a'], '2.0'), 505, 'HTTP/2.0 is not supported: use HTTP/1.1'],
    ['Transfer-Encoding: gzip, chunked', head(['Host', 'a', 'Transfer-Encoding', 'gzip, chunked']), 501, 'Transfer-Encoding other than chunked is not supported'],
    ['Expect: something-else', head(['Host', 'a', 'Expect', 'something-else']), 417, 'the only expectation supported is Expect: 100-continue'],
  ])('refuses %s', (_name, req, status, message) => {
    expect(refusal(req)).toMatchObject({ status, message });
  });

  it('lets HTTP/1.0 go without a Host, and takes chunked bodies and 100-continue in any case', () => {
    expect(refusal(head([], '1.0'))).toBeUndefined();
    expect(refusal(head(['Host', 'a', 'Transfer-Encoding', 'Chunked', 'Expect', '100-Continue']))).toBeUndefined();
  });
});
