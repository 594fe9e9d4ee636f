/**
 * Answers written straight onto a socket, for the failures that happen below Koa: Node's HTTP
 * parser refusing a request (no request or response object exists), a request that never
 * finished its headers, a CONNECT. The body is the API's one error shape, built by the same
 * mapError as every other error, and the connection is closed so that the client can still
 * read the answer: our side is shut after the response, what the client still sends is read
 * and dropped for a bounded time and size, then the socket is destroyed. Closing at once with
 * unread bytes in the kernel would send a reset, and the client would lose the answer.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppError } from '../errors.js';
import { mapError } from './error-middleware.js';

/** How long, and how many bytes, a closing connection keeps reading before it is cut. */
export const LINGER_MS = 2_000;
export const LINGER_MAX_BYTES = 1024 * 1024;

/** Sockets already answered this way: Node reports each further bad chunk again. */
const answered = new WeakSet<Duplex>();

/** Whether this socket already got its last answer (and is only being closed now). */
export function isAnswered(socket: Duplex): boolean {
  return answered.has(socket);
}

/** The bytes of a complete HTTP/1.1 response carrying `error` as JSON, closing the connection. */
export function formatErrorResponse(error: AppError, requestId: string): string {
  const { status, body } = mapError(error, requestId);
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    `X-Request-Id: ${requestId}`,
    'Connection: close',
    '',
    json,
  ].join('\r\n');
}

/**
 * Writes the error response, shuts our side of the connection, and drops whatever the client
 * still sends until it closes too, or for at most LINGER_MS / LINGER_MAX_BYTES. Idempotent.
 */
export function answerAndClose(socket: Duplex, error: AppError, requestId: string): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > LINGER_MAX_BYTES) socket.destroy();
  });
  // The client has nothing more to send: nothing can be lost by closing now.
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
  socket.on('error', () => socket.destroy());
  socket.end(formatErrorResponse(error, requestId));
  // A socket handed over by Node without a parser attached (CONNECT) must still be read.
  socket.resume();
}
