/**
 * Abuse of the upload itself: multipart bodies that break busboy's rules or the form's shape,
 * bodies of the wrong type, and bodies far over MAX_BODY_BYTES whose 413 must still reach a
 * client that is busy sending 30 MB.
 */
import { drawDigitPng } from '../../fixtures/draw-digit.js';
import { httpRequest, multipartBody, postForm, postRaw, type Answer, type HostileCase } from '../support/http-bytes.js';

const BAD: Answer = [400, 'invalid_request'];
const MISSING: Answer = [400, 'missing_image'];
const TOO_LARGE: Answer = [413, 'payload_too_large'];
const THIRTY_MB = 30 * 1024 * 1024;

const png = (): Promise<Buffer> => drawDigitPng(7);
const formWith = (contentType: string, body: Buffer): Buffer => httpRequest('POST', '/api/predictions', { headers: [['Content-Type', contentType]], body });

/** Headers announcing `length` bytes of `contentType`, then the bytes in 1 MB writes. */
function declaredUpload(contentType: string, head: Buffer, length: number): Buffer[] {
  const parts = [Buffer.from(`POST /api/predictions HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`), head];
  for (let sent = head.length; sent < length; sent += 1024 * 1024) parts.push(Buffer.alloc(Math.min(1024 * 1024, length - sent), 0x5a));
  return parts;
}

/** A chunked upload of `length` bytes of `contentType` in 64 KB chunks, ended properly. */
function chunkedUpload(contentType: string, head: Buffer, length: number, tail = Buffer.alloc(0)): Buffer[] {
  const chunk = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
  const parts = [Buffer.from(`POST /api/predictions HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nTransfer-Encoding: chunked\r\n\r\n`), chunk(head)];
  for (let sent = 0; sent < length; sent += 64 * 1024) parts.push(chunk(Buffer.alloc(64 * 1024, 0x5a)));
  if (tail.length > 0) parts.push(chunk(tail));
  parts.push(Buffer.from('0\r\n\r\n'));
  return parts;
}

const FILE_HEAD = Buffer.from('--B\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n');

export const MULTIPART_CASES: readonly HostileCase[] = [
  { name: 'multipart without a boundary', send: async () => formWith('multipart/form-data', multipartBody('x', [{ name: 'image', filename: 'a.png', body: await png() }])), answers: [BAD] },
  { name: 'a body whose boundary is not the declared one', send: async () => formWith('multipart/form-data; boundary=declared', multipartBody('other', [{ name: 'image', filename: 'a.png', body: await png() }])), answers: [BAD] },
  { name: 'a form without its closing boundary', send: async () => postForm([{ name: 'image', filename: 'a.png', body: await png() }], { close: false }), answers: [BAD] },
  { name: 'a form that is only the closing boundary', send: () => formWith('multipart/form-data; boundary=B', Buffer.from('--B--\r\n')), answers: [MISSING] },
  { name: 'a form that is only a preamble', send: () => formWith('multipart/form-data; boundary=B', Buffer.from('this is not a form at all')), answers: [BAD] },
  { name: 'two files in the image field', send: async () => postForm([{ name: 'image', filename: 'a.png', body: await png() }, { name: 'image', filename: 'b.png', body: await png() }]), answers: [BAD] },
  { name: 'the image under another field name', send: async () => postForm([{ name: 'file', filename: 'a.png', body: await png() }]), answers: [MISSING] },
  { name: 'the image as a text field (no filename)', send: () => postForm([{ name: 'image', body: 'iVBORw0KGgo=' }]), answers: [MISSING] },
  { name: 'an empty file', send: () => postForm([{ name: 'image', filename: 'e.png', contentType: 'image/png', body: '' }]), answers: [MISSING] },
  { name: 'twenty text fields', send: () => postForm(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, body: 'x' }))), answers: [BAD] },
  { name: 'a 4 KB text field', send: () => postForm([{ name: 'source', body: 's'.repeat(4096) }]), answers: [BAD] },
  { name: 'a 200-character field name', send: () => postForm([{ name: 'n'.repeat(200), body: 'x' }]), answers: [BAD] },
  { name: 'a 100-character boundary (RFC 2046 allows 70)', send: async () => postForm([{ name: 'image', filename: 'a.png', body: await png() }], { boundary: 'b'.repeat(100) }), answers: [[201, null]] },
  { name: 'an unknown source field', send: async () => postForm([{ name: 'source', body: 'fax' }, { name: 'image', filename: 'a.png', body: await png() }]), answers: [BAD] },
  { name: 'a path-traversal filename (ignored: nothing is written to disk)', send: async () => postForm([{ name: 'image', filename: '../../../etc/passwd', body: await png() }]), answers: [[201, null]] },
  { name: 'multipart/mixed instead of form-data', send: async () => formWith('multipart/mixed; boundary=B', multipartBody('B', [{ name: 'image', filename: 'a.png', body: await png() }])), answers: [[415, 'unsupported_image']] },
  { name: 'a form whose file is itself a multipart body', send: async () => postForm([{ name: 'image', filename: 'a.png', contentType: 'multipart/mixed', body: multipartBody('inner', [{ name: 'x', body: await png() }]) }]), answers: [[415, 'unsupported_image']] },
];

export const BODY_CASES: readonly HostileCase[] = [
  { name: 'an SVG sent as image/svg+xml', send: () => postRaw('image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'), answers: [[415, 'unsupported_image']] },
  { name: 'a PNG sent as application/octet-stream', send: async () => postRaw('application/octet-stream', await png()), answers: [[415, 'unsupported_image']] },
  { name: 'a PNG sent as text/plain', send: async () => postRaw('text/plain', await png()), answers: [[415, 'unsupported_image']] },
  { name: 'no Content-Type at all', send: async () => httpRequest('POST', '/api/predictions', { body: await png() }), answers: [[415, 'unsupported_image']] },
  { name: 'a Content-Type with a 4 KB parameter', send: async () => postRaw(`image/png; x=${'p'.repeat(4096)}`, await png()), answers: [[201, null]] },
  { name: 'a declared 30 MB raw upload: its 413 arrives while the client sends', send: () => declaredUpload('image/png', Buffer.alloc(0), THIRTY_MB), answers: [TOO_LARGE] },
  { name: 'a declared 30 MB multipart upload: its 413 arrives while the client sends', send: () => declaredUpload('multipart/form-data; boundary=B', FILE_HEAD, THIRTY_MB), answers: [TOO_LARGE] },
  { name: 'a chunked 6 MB raw upload', send: () => chunkedUpload('image/png', Buffer.from('\x89PNG'), 6 * 1024 * 1024), answers: [TOO_LARGE] },
  { name: 'a chunked 6 MB multipart upload', send: () => chunkedUpload('multipart/form-data; boundary=B', FILE_HEAD, 6 * 1024 * 1024, Buffer.from('\r\n--B--\r\n')), answers: [TOO_LARGE] },
  { name: 'a JSON body to the prediction route', send: () => postRaw('application/json', '{"image":"iVBORw0KGgo="}'), answers: [[415, 'unsupported_image']] },
  { name: 'an empty image/png body', send: () => postRaw('image/png', ''), answers: [MISSING] },
];
