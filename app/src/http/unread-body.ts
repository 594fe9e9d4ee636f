/**
 * What to do with a request body nobody will read: the app answered early (413 from the
 * declared length, a route that takes no body, a timeout) while the client is still sending.
 * Closing the connection then would make the kernel answer the unread bytes with a reset,
 * and a client that reads only after it has sent everything would never see our answer. So
 * the rest is read and thrown away, for a bounded time and size (never buffered), after
 * which the connection is cut; a client that finishes within the bounds keeps its connection.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** Bounds on discarding: enough for a 30 MB upload on a slow link to finish and read its 413. */
export const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
export const DISCARD_MAX_MS = 5_000;

export interface DiscardLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

/** Sockets whose request already has its answer and whose body is being dropped. */
const discarding = new WeakSet<Duplex>();

/** Whether this socket's request was answered and its body is being discarded. */
export function isDiscarding(socket: Duplex): boolean {
  return discarding.has(socket);
}

/**
 * Reads and drops the rest of `req`'s body; cuts the connection past `limits`. A no-op when
 * the body was read to its end. Works beside a reader that is still attached (multer drains
 * too): bytes are counted however they are pulled.
 */
export function discardUnreadBody(req: IncomingMessage, limits: DiscardLimits = { maxBytes: DISCARD_MAX_BYTES, maxMs: DISCARD_MAX_MS }): void {
  const socket = req.socket;
  if (req.complete || req.destroyed || discarding.has(socket)) return;
  discarding.add(socket);
  let received = 0;
  const finish = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    discarding.delete(socket);
  };
  const cut = (): void => {
    finish();
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > limits.maxBytes) cut();
  };
  const timer = setTimeout(cut, limits.maxMs);
  timer.unref();
  req.on('data', onData);
  req.once('end', finish);
  req.once('close', finish);
  req.resume();
}
