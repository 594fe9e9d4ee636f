import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawDigitPng } from '../fixtures/draw-digit.js';
import { blankCanvasPng, MINIMAL_PDF, pngClaimingSize, randomBytes, SVG_DIGIT } from './support/images.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Small enough that "oversize" tests stay quick, large enough for a drawn 280x280 PNG. */
const MAX_BODY_BYTES = 64 * 1024;

interface Case {
  readonly name: string;
  readonly status: number;
  readonly code: string;
  readonly send: (t: TestApp) => PromiseLike<request.Response>;
}

const post = (t: TestApp) => request(t.callback).post('/api/predictions');
const raw = (t: TestApp, type: string, body: Buffer) => post(t).set('Content-Type', type).send(body);
const upload = (t: TestApp, body: Buffer, filename: string, contentType: string) =>
  post(t).attach('image', body, { filename, contentType });

const CASES: readonly Case[] = [
  { name: 'random bytes sent as image/png', status: 415, code: 'unsupported_image', send: (t) => raw(t, 'image/png', randomBytes(4096)) },
  { name: 'random bytes uploaded as a file', status: 415, code: 'unsupported_image', send: (t) => upload(t, randomBytes(4096), 'x.png', 'image/png') },
  {
    name: 'a truncated PNG',
    status: 415,
    code: 'unsupported_image',
    send: async (t) => {
      const png = await drawDigitPng(8);
      return raw(t, 'image/png', png.subarray(0, Math.floor(png.length / 2)));
    },
  },
  { name: 'a PDF sent as application/pdf', status: 415, code: 'unsupported_image', send: (t) => raw(t, 'application/pdf', MINIMAL_PDF) },
  { name: 'a PDF uploaded as a file', status: 415, code: 'unsupported_image', send: (t) => upload(t, MINIMAL_PDF, 'doc.pdf', 'application/pdf') },
  { name: 'a PDF disguised as image/png', status: 415, code: 'unsupported_image', send: (t) => raw(t, 'image/png', MINIMAL_PDF) },
  { name: 'an SVG sent as image/svg+xml', status: 415, code: 'unsupported_image', send: (t) => raw(t, 'image/svg+xml', SVG_DIGIT) },
  { name: 'an SVG uploaded as a file', status: 415, code: 'unsupported_image', send: (t) => upload(t, SVG_DIGIT, 'd.svg', 'image/svg+xml') },
  { name: 'an SVG disguised as image/png', status: 415, code: 'unsupported_image', send: (t) => raw(t, 'image/png', SVG_DIGIT) },
  { name: 'an empty body', status: 400, code: 'missing_image', send: (t) => post(t) },
  { name: 'an empty image/png body', status: 400, code: 'missing_image', send: (t) => raw(t, 'image/png', Buffer.alloc(0)) },
  { name: 'a form without the image field', status: 400, code: 'missing_image', send: (t) => post(t).field('source', 'upload') },
  {
    name: 'a form with the file under another field name',
    status: 400,
    code: 'missing_image',
    send: async (t) => post(t).attach('file', await drawDigitPng(1), 'd.png'),
  },
  { name: 'an empty file in the image field', status: 400, code: 'missing_image', send: (t) => upload(t, Buffer.alloc(0), 'e.png', 'image/png') },
  {
    name: 'a tiny PNG whose header claims 100000x100000 pixels',
    status: 413,
    code: 'payload_too_large',
    send: (t) => raw(t, 'image/png', pngClaimingSize(100_000, 100_000)),
  },
  { name: 'a raw body over MAX_BODY_BYTES', status: 413, code: 'payload_too_large', send: (t) => raw(t, 'image/png', randomBytes(MAX_BODY_BYTES + 1)) },
  {
    name: 'a multipart upload over MAX_BODY_BYTES',
    status: 413,
    code: 'payload_too_large',
    send: (t) => upload(t, randomBytes(MAX_BODY_BYTES + 1), 'big.png', 'image/png'),
  },
  { name: 'a text/plain body', status: 415, code: 'unsupported_image', send: (t) => raw(t, 'text/plain', Buffer.from('seven')) },
  {
    name: 'a JSON body',
    status: 415,
    code: 'unsupported_image',
    send: (t) => post(t).set('Content-Type', 'application/json').send('{"image":"iVBORw0KGgo="}'),
  },
  { name: 'a blank canvas', status: 422, code: 'no_ink', send: async (t) => upload(t, await blankCanvasPng(), 'blank.png', 'image/png') },
  {
    name: 'an unknown source',
    status: 400,
    code: 'invalid_request',
    send: async (t) => post(t).query({ source: 'fax' }).attach('image', await drawDigitPng(2), 'd.png'),
  },
  {
    name: 'a malformed multipart body',
    status: 400,
    code: 'invalid_request',
    send: (t) =>
      post(t)
        .set('Content-Type', 'multipart/form-data; boundary=XYZ')
        .send('--XYZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nabc'),
  },
];

/** POSTs a chunked body (no Content-Length) to a listening server: the streaming limit's path. */
function postChunked(server: Server, contentType: string, chunks: Buffer[]): Promise<{ status: number; body: unknown }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ port, method: 'POST', path: '/api/predictions', headers: { 'Content-Type': contentType } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) }));
    });
    // The server may close the connection before we finish writing: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('bad input to POST /api/predictions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_BODY_BYTES: String(MAX_BODY_BYTES) } });
  });
  afterAll(async () => {
    await t.close();
  });

  for (const c of CASES) {
    it(`answers ${c.status} ${c.code} for ${c.name}`, async () => {
      const res = await c.send(t);
      expect(res.status, JSON.stringify(res.body)).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body.error.code).toBe(c.code);
      expect(typeof res.body.error.message).toBe('string');
      expect(res.body.error.message.length).toBeGreaterThan(0);
      expect(res.headers['x-request-id']).toBeTruthy();
    });
  }

  describe('chunked bodies without a Content-Length', () => {
    let server: Server;
    beforeAll(async () => {
      server = createServer(t.callback);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('answers 413 for a raw chunked body once it passes MAX_BODY_BYTES', async () => {
      const chunks = Array.from({ length: 20 }, (_, i) => randomBytes(8 * 1024, i));
      const res = await postChunked(server, 'image/png', chunks);
      expect(res).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    });

    it('answers 413 for a chunked multipart upload once the file passes MAX_BODY_BYTES', async () => {
      const head = Buffer.from('--B\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n');
      const chunks = [head, ...Array.from({ length: 20 }, (_, i) => randomBytes(8 * 1024, i)), Buffer.from('\r\n--B--\r\n')];
      const res = await postChunked(server, 'multipart/form-data; boundary=B', chunks);
      expect(res).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    });
  });

  it('still answers 201 for a good drawing after all of the above', async () => {
    const res = await post(t).attach('image', await drawDigitPng(3), 'd.png');
    expect(res.status).toBe(201);
  });
});
