/**
 * Malformed HTTP on a raw socket: request lines, headers and body framing that Node's parser or
 * the app's request-shape check refuses. Every one must get the JSON error shape.
 */
import { httpRequest, type Answer, type HostileCase } from '../support/http-bytes.js';

const BAD: Answer = [400, 'invalid_request'];
const OK: Answer = [200, null];
const GET_HEALTH = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n';
const chunked = (body: string): string => `POST /api/predictions HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
const withLength = (length: string, body = ''): string => `POST /api/predictions HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: ${length}\r\n\r\n${body}`;

export const REQUEST_LINE_CASES: readonly HostileCase[] = [
  { name: 'an unknown method (BREW)', send: () => 'BREW /pot HTTP/1.1\r\nHost: localhost\r\n\r\n', answers: [BAD] },
  { name: 'a lower-case method', send: () => 'get /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n', answers: [BAD] },
  { name: 'a 100-character method', send: () => `${'A'.repeat(100)} / HTTP/1.1\r\nHost: localhost\r\n\r\n`, answers: [BAD] },
  { name: 'a NUL byte in the method', send: () => 'GE\0T / HTTP/1.1\r\nHost: localhost\r\n\r\n', answers: [BAD] },
  { name: 'a TLS ClientHello sent to the plain HTTP port', send: () => Buffer.from('16030100a5010000a10303', 'hex'), answers: [BAD] },
  { name: 'HTTP/2 prior knowledge (the PRI preface)', send: () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', answers: [BAD] },
  { name: 'a request line ending in a bare LF', send: () => 'GET /healthz HTTP/1.1\nHost: localhost\n\n', answers: [BAD] },
  { name: 'an unknown HTTP version (HTTP/9.9)', send: () => 'GET /healthz HTTP/9.9\r\nHost: localhost\r\n\r\n', answers: [BAD] },
  { name: 'HTTP/2.0 in an HTTP/1 request line', send: () => 'GET /healthz HTTP/2.0\r\nHost: localhost\r\n\r\n', answers: [[505, 'http_version_not_supported']] },
  { name: 'an HTTP/0.9 request line', send: () => 'GET /healthz\r\n\r\n', answers: [[505, 'http_version_not_supported']] },
  { name: 'a space inside the target', send: () => 'GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n', answers: [BAD] },
  { name: 'a NUL byte in the target', send: () => 'GET /\0 HTTP/1.1\r\nHost: localhost\r\n\r\n', answers: [BAD] },
  { name: 'a DEL byte in the target', send: () => 'GET /\x7f HTTP/1.1\r\nHost: localhost\r\n\r\n', answers: [BAD] },
  { name: 'a 100 KB target', send: () => `GET /${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n`, answers: [[431, 'headers_too_large']] },
  { name: 'an asterisk-form target', send: () => 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n', answers: [[404, 'not_found']] },
  { name: 'CONNECT (a proxy request)', send: () => 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', answers: [[405, 'method_not_allowed']] },
  { name: 'an absolute-form target naming another host', send: () => 'GET http://evil.example/healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n', answers: [OK] },
];

export const HEADER_CASES: readonly HostileCase[] = [
  { name: 'no Host header', send: () => httpRequest('GET', '/healthz', { host: null }), answers: [BAD] },
  { name: 'an empty Host header', send: () => httpRequest('GET', '/healthz', { host: '' }), answers: [BAD] },
  { name: 'two Host headers', send: () => httpRequest('GET', '/healthz', { headers: [['Host', 'other']] }), answers: [BAD] },
  { name: 'a Host with a space', send: () => httpRequest('GET', '/healthz', { host: 'a b' }), answers: [BAD] },
  { name: 'a Host with a path', send: () => httpRequest('GET', '/healthz', { host: 'localhost/admin' }), answers: [BAD] },
  { name: 'a Host with a user', send: () => httpRequest('GET', '/healthz', { host: 'user@localhost' }), answers: [BAD] },
  { name: 'a Host with an unclosed IPv6 literal', send: () => httpRequest('GET', '/healthz', { host: '[::1' }), answers: [BAD] },
  { name: 'a 64 KB header', send: () => httpRequest('GET', '/healthz', { headers: [['Cookie', 'c'.repeat(64 * 1024)]] }), answers: [[431, 'headers_too_large']] },
  { name: '400 headers of 64 bytes', send: () => httpRequest('GET', '/healthz', { headers: Array.from({ length: 400 }, (_, i) => [`X-H${i}`, 'v'.repeat(58)] as const) }), answers: [[431, 'headers_too_large']] },
  { name: 'a header line without a colon', send: () => `${GET_HEALTH}Broken header\r\n\r\n`, answers: [BAD] },
  { name: 'a space inside a header name', send: () => `${GET_HEALTH}Bad Name: x\r\n\r\n`, answers: [BAD] },
  { name: 'a space before the colon', send: () => `${GET_HEALTH}X-Thing : x\r\n\r\n`, answers: [BAD] },
  { name: 'an empty header name', send: () => `${GET_HEALTH}: nameless\r\n\r\n`, answers: [BAD] },
  { name: 'a folded (obs-fold) header', send: () => `${GET_HEALTH}X-Folded: a\r\n b\r\n\r\n`, answers: [BAD] },
  { name: 'a NUL byte in a header value', send: () => `${GET_HEALTH}X-Nul: a\0b\r\n\r\n`, answers: [BAD] },
  { name: 'a bare CR in a header value', send: () => `${GET_HEALTH}X-Cr: a\rb\r\n\r\n`, answers: [BAD] },
  { name: 'a header line ending in a bare LF', send: () => `${GET_HEALTH}X-Lf: a\n\r\n`, answers: [BAD] },
  { name: 'a header name with a non-token byte', send: () => `${GET_HEALTH}X<script>: 1\r\n\r\n`, answers: [BAD] },
  { name: 'Expect: something-else', send: () => httpRequest('GET', '/healthz', { headers: [['Expect', 'something-else']] }), answers: [[417, 'expectation_failed']] },
  { name: 'an upgrade to WebSocket, which the service does not speak', send: () => httpRequest('GET', '/healthz', { headers: [['Connection', 'Upgrade'], ['Upgrade', 'websocket']] }), answers: [OK] },
  { name: 'an X-Model-Version made of a path', send: () => httpRequest('POST', '/api/predictions', { headers: [['Content-Type', 'image/png'], ['X-Model-Version', '../../etc/passwd']], body: 'x' }), answers: [[400, 'unknown_model_version']] },
  { name: 'two X-Model-Version headers', send: () => httpRequest('POST', '/api/predictions', { headers: [['Content-Type', 'image/png'], ['X-Model-Version', 'a'], ['X-Model-Version', 'b']], body: 'x' }), answers: [[400, 'unknown_model_version']] },
  {
    name: 'a request id made to inject a log line (replaced, never echoed)',
    send: () => httpRequest('GET', '/nothing-here', { headers: [['X-Request-Id', '"} {"level":"fatal","msg":"forged'] as const] }),
    answers: [[404, 'not_found']],
  },
];

export const FRAMING_CASES: readonly HostileCase[] = [
  { name: 'a Content-Length of letters', send: () => withLength('abc'), answers: [BAD] },
  { name: 'a negative Content-Length', send: () => withLength('-1'), answers: [BAD] },
  { name: 'a Content-Length with a plus sign', send: () => withLength('+5', '12345'), answers: [BAD] },
  { name: 'a Content-Length with a space inside', send: () => withLength('1 2'), answers: [BAD] },
  { name: 'a 30-digit Content-Length', send: () => withLength('9'.repeat(30)), answers: [BAD] },
  { name: 'two different Content-Lengths', send: () => withLength('3\r\nContent-Length: 5', '12345'), answers: [BAD] },
  { name: 'two equal Content-Lengths', send: () => withLength('5\r\nContent-Length: 5', '12345'), answers: [BAD] },
  { name: 'Content-Length and Transfer-Encoding together (smuggling)', send: () => withLength('5\r\nTransfer-Encoding: chunked', '0\r\n\r\n'), answers: [BAD] },
  { name: 'Transfer-Encoding: gzip (chunked not last)', send: () => httpRequest('POST', '/api/predictions', { headers: [['Transfer-Encoding', 'gzip']] }), answers: [BAD] },
  { name: 'Transfer-Encoding: gzip, chunked (a coding the service does not decode)', send: () => httpRequest('POST', '/api/predictions', { headers: [['Transfer-Encoding', 'gzip, chunked']] }), answers: [[501, 'not_implemented']] },
  { name: 'Transfer-Encoding: identity', send: () => httpRequest('POST', '/api/predictions', { headers: [['Transfer-Encoding', 'identity']] }), answers: [BAD] },
  { name: 'a chunk size that is not hex', send: () => chunked('zz\r\nx\r\n0\r\n\r\n'), answers: [BAD] },
  { name: 'a chunk size past 64 bits', send: () => chunked('fffffffffffffffffff\r\nx\r\n0\r\n\r\n'), answers: [BAD] },
  { name: 'a 20 KB chunk extension', send: () => chunked(`1;${'e'.repeat(20 * 1024)}\r\nx\r\n0\r\n\r\n`), answers: [[413, 'payload_too_large']] },
  { name: 'chunk data longer than its size', send: () => chunked('2\r\nxyz\r\n0\r\n\r\n'), answers: [BAD] },
  { name: 'chunk data without its CRLF', send: () => chunked('1\r\nxy0\r\n\r\n'), answers: [BAD] },
  {
    name: 'garbage pipelined after a good request (both answered, in order)',
    send: () => `${GET_HEALTH}\r\nNOT HTTP\r\n\r\n`,
    answers: [OK, BAD],
  },
  {
    name: 'a body longer than its Content-Length (the rest read as the next request)',
    send: () => withLength('4', '\x89PNGGARBAGE AFTER THE BODY\r\n\r\n'),
    answers: [[415, 'unsupported_image'], BAD],
  },
];
