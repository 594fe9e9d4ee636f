/**
 * Query, path and JSON abuse on every route: wrong methods, malformed and repeated query
 * parameters, traversal and broken percent-encoding in paths, feedback bodies that are not the
 * one-field JSON object they should be.
 */
import { httpRequest, type Answer, type HostileCase } from '../support/http-bytes.js';

const BAD: Answer = [400, 'invalid_request'];
const NOT_FOUND: Answer = [404, 'not_found'];
const WRONG_METHOD: Answer = [405, 'method_not_allowed'];
/** A well-formed UUIDv7 no prediction has. */
export const UNKNOWN_ID = '0190a6f4-1b2c-7d3e-8f40-123456789abc';

const get = (target: string): (() => Buffer) => () => httpRequest('GET', target);
const feedback = (body: string, contentType = 'application/json', id = UNKNOWN_ID): (() => Buffer) => () =>
  httpRequest('POST', `/api/predictions/${id}/feedback`, { headers: [['Content-Type', contentType]], body });

export const METHOD_CASES: readonly HostileCase[] = [
  { name: 'DELETE /api/predictions', send: () => httpRequest('DELETE', '/api/predictions'), answers: [WRONG_METHOD] },
  { name: 'PUT /api/predictions/:id', send: () => httpRequest('PUT', `/api/predictions/${UNKNOWN_ID}`, { body: '{}' }), answers: [WRONG_METHOD] },
  { name: 'GET /api/predictions/:id/feedback', send: get(`/api/predictions/${UNKNOWN_ID}/feedback`), answers: [WRONG_METHOD] },
  { name: 'POST /healthz', send: () => httpRequest('POST', '/healthz', { body: 'x' }), answers: [WRONG_METHOD] },
  { name: 'PATCH /readyz', send: () => httpRequest('PATCH', '/readyz', { body: 'x' }), answers: [WRONG_METHOD] },
  { name: 'POST /metrics', send: () => httpRequest('POST', '/metrics', { body: 'x' }), answers: [WRONG_METHOD] },
  { name: 'DELETE /', send: () => httpRequest('DELETE', '/'), answers: [WRONG_METHOD] },
  { name: 'PUT /web/app.js', send: () => httpRequest('PUT', '/web/app.js', { body: 'alert(1)' }), answers: [WRONG_METHOD] },
  { name: 'TRACE / (a method no route uses)', send: () => httpRequest('TRACE', '/'), answers: [[501, 'not_implemented']] },
  { name: 'PROPFIND / (a WebDAV method no route uses)', send: () => httpRequest('PROPFIND', '/'), answers: [[501, 'not_implemented']] },
];

export const PATH_CASES: readonly HostileCase[] = [
  { name: 'an encoded traversal under /web', send: get('/web/..%2f..%2fpackage.json'), answers: [NOT_FOUND] },
  { name: 'a raw traversal under /web', send: get('/web/../../package.json'), answers: [NOT_FOUND] },
  { name: 'a NUL byte, encoded, under /web', send: get('/web/app.js%00.png'), answers: [NOT_FOUND] },
  { name: 'broken percent-encoding under /web', send: get('/web/%E0%A4%A'), answers: [NOT_FOUND] },
  { name: 'broken percent-encoding as a prediction id', send: get('/api/predictions/%E0%A4%A'), answers: [NOT_FOUND] },
  { name: 'a lone percent sign as the path', send: get('/%'), answers: [NOT_FOUND] },
  { name: 'a prediction id that is not a UUIDv7', send: get('/api/predictions/1%20OR%201=1'), answers: [NOT_FOUND] },
  { name: 'a 10 KB prediction id', send: get(`/api/predictions/${'a'.repeat(10 * 1024)}`), answers: [NOT_FOUND] },
  { name: 'a well-formed id that does not exist', send: get(`/api/predictions/${UNKNOWN_ID}`), answers: [NOT_FOUND] },
  { name: 'a double slash before the route', send: get('//api/predictions'), answers: [NOT_FOUND] },
  { name: 'an unknown route under /api', send: get('/api/admin'), answers: [NOT_FOUND] },
  { name: 'a path of unicode', send: get('/%F0%9F%92%A5'), answers: [NOT_FOUND] },
];

export const QUERY_CASES: readonly HostileCase[] = [
  { name: 'limit=0', send: get('/api/predictions?limit=0'), answers: [BAD] },
  { name: 'limit=-1', send: get('/api/predictions?limit=-1'), answers: [BAD] },
  { name: 'limit=101', send: get('/api/predictions?limit=101'), answers: [BAD] },
  { name: 'limit=1e2', send: get('/api/predictions?limit=1e2'), answers: [BAD] },
  { name: 'limit with broken percent-encoding', send: get('/api/predictions?limit=%ZZ'), answers: [BAD] },
  { name: 'limit given twice', send: get('/api/predictions?limit=1&limit=2'), answers: [BAD] },
  { name: 'limit as an array', send: get('/api/predictions?limit[]=1'), answers: [[200, null]] },
  { name: 'a cursor of garbage', send: get('/api/predictions?cursor=not-a-cursor'), answers: [BAD] },
  { name: 'a cursor with a NUL byte', send: get('/api/predictions?cursor=%00'), answers: [BAD] },
  { name: 'a 10 KB cursor', send: get(`/api/predictions?cursor=${'A'.repeat(10 * 1024)}`), answers: [BAD] },
  { name: 'a cursor given twice', send: get('/api/predictions?cursor=a&cursor=b'), answers: [BAD] },
  { name: 'a cursor from another store', send: get(`/api/predictions?cursor=${Buffer.from(`c1:${UNKNOWN_ID}`).toString('base64url')}`), answers: [BAD] },
  { name: 'an unknown source on a prediction', send: () => httpRequest('POST', '/api/predictions?source=fax', { headers: [['Content-Type', 'image/png']], body: '\x89PNG' }), answers: [BAD] },
  { name: '1500 query parameters on /healthz', send: get(`/healthz?${Array.from({ length: 1500 }, (_, i) => `p${i}=1`).join('&')}`), answers: [[200, null]] },
  { name: 'a query of broken percent-encoding on /healthz', send: get('/healthz?%E0%A4%A=%'), answers: [[200, null]] },
  { name: 'a query of broken percent-encoding on /metrics (Prometheus text)', send: get('/metrics?%E0%A4%A=%'), answers: [[200, null]] },
  { name: 'a query on /readyz', send: get('/readyz?verbose=1&verbose=2'), answers: [[200, null]] },
  { name: 'a query on the page', send: get('/?q=%3Cscript%3E'), answers: [[200, null]] },
  { name: 'POST /api/models', send: () => httpRequest('POST', '/api/models', { body: '{}' }), answers: [WRONG_METHOD] },
  { name: 'a model version of broken percent-encoding', send: get('/api/models/%E0%A4%A'), answers: [NOT_FOUND] },
  { name: 'a model version that climbs out of the cache', send: get('/api/models/..%2F..%2Fetc%2Fpasswd'), answers: [NOT_FOUND] },
  { name: 'a 10 KB model version', send: get(`/api/models/${'v'.repeat(10 * 1024)}`), answers: [NOT_FOUND] },
  { name: 'a live window given twice', send: get('/api/models?windowMs=1&windowMs=2'), answers: [[200, null]] },
  { name: 'a live window of 1e3', send: get('/api/models/no-such-version?windowMs=1e3'), answers: [BAD] },
];

export const JSON_CASES: readonly HostileCase[] = [
  { name: 'feedback without a Content-Type', send: () => httpRequest('POST', `/api/predictions/${UNKNOWN_ID}/feedback`, { body: '{"label":1}' }), answers: [BAD] },
  { name: 'feedback as text/plain', send: feedback('{"label":1}', 'text/plain'), answers: [BAD] },
  { name: 'feedback that is not JSON', send: feedback('label=1'), answers: [BAD] },
  { name: 'feedback that is truncated JSON', send: feedback('{"label":'), answers: [BAD] },
  { name: 'feedback that is JSON null', send: feedback('null'), answers: [BAD] },
  { name: 'feedback that is a JSON array', send: feedback('[7]'), answers: [BAD] },
  { name: 'a label as a string', send: feedback('{"label":"7"}'), answers: [BAD] },
  { name: 'a label of 7.5', send: feedback('{"label":7.5}'), answers: [BAD] },
  { name: 'a label of 10', send: feedback('{"label":10}'), answers: [BAD] },
  { name: 'a label of 1e400 (Infinity)', send: feedback('{"label":1e400}'), answers: [BAD] },
  { name: 'a label hidden behind __proto__', send: feedback('{"__proto__":{"label":7}}'), answers: [BAD] },
  { name: 'JSON nested 500 deep', send: feedback(`${'['.repeat(500)}${']'.repeat(500)}`), answers: [BAD] },
  { name: 'a 2 KB feedback body (the limit is 1 KB)', send: feedback(`{"label":7,"pad":"${'p'.repeat(2048)}"}`), answers: [[413, 'payload_too_large']] },
  { name: 'a valid label for an id that does not exist', send: feedback('{"label":7}'), answers: [NOT_FOUND] },
  { name: 'a valid label for an id that is not a UUIDv7', send: feedback('{"label":7}', 'application/json', 'nope'), answers: [NOT_FOUND] },
];
