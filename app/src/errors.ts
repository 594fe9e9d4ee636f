/**
 * Named errors of the service. Domain code throws these; the one error middleware
 * (`app/src/http/error-middleware.ts`) maps them to a status code and a JSON body
 * `{ error: { code, message } }`. Only errors marked `expose` show their message to clients.
 */
export abstract class AppError extends Error {
  /** HTTP status the error maps to. */
  abstract readonly status: number;
  /** Stable machine-readable code, part of the API contract. */
  abstract readonly code: string;
  /** Whether `message` is safe to show to a client (true for 4xx). */
  readonly expose: boolean = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: the request did not carry an image at all. */
export class MissingImageError extends AppError {
  readonly status = 400;
  readonly code = 'missing_image';
}

/** 400: a request field is malformed (bad limit, cursor, label...). */
export class InvalidRequestError extends AppError {
  readonly status = 400;
  readonly code = 'invalid_request';
}

/**
 * 400: `X-Model-Version` names no version this service can answer with (malformed, or not in
 * the registry). Its own code, so a replay pinned to a typo fails loudly instead of silently
 * measuring the routed model.
 */
export class UnknownModelVersionError extends AppError {
  readonly status = 400;
  readonly code = 'unknown_model_version';
}

/** 404: no prediction with this id. */
export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
}

/** 405: a method no route of the service takes (CONNECT, or a known route with another method). */
export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
}

/** 408: the client did not send its headers or its body in time. */
export class RequestTimeoutError extends AppError {
  readonly status = 408;
  readonly code = 'request_timeout';
}

/**
 * 413: body bytes, image dimensions, pixels or frames above the configured limits, or an image
 * that takes longer than its decode budget.
 */
export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

/** 417: an `Expect` header other than `100-continue`. */
export class ExpectationFailedError extends AppError {
  readonly status = 417;
  readonly code = 'expectation_failed';
}

/** 431: request line and headers together over Node's limit (a 100 KB URL, a 64 KB cookie). */
export class HeadersTooLargeError extends AppError {
  readonly status = 431;
  readonly code = 'headers_too_large';
}

/** 415: the bytes are not an image format we accept (PNG, JPEG, WebP, GIF, TIFF). */
export class UnsupportedImageError extends AppError {
  readonly status = 415;
  readonly code = 'unsupported_image';
}

/** 422: a valid image that contains no ink (blank canvas, flat colour). */
export class EmptyImageError extends AppError {
  readonly status = 422;
  readonly code = 'no_ink';
}

/**
 * 503: the service cannot take the request right now without risking data
 * (model not loaded, prediction spool full). Clients may retry later.
 */
export class UnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'unavailable';
}

/** 501: a transfer coding other than chunked (RFC 9112: a server that does not understand it says so). */
export class NotImplementedError extends AppError {
  readonly status = 501;
  readonly code = 'not_implemented';
}

/** 505: anything but HTTP/1.0 and HTTP/1.1 (an HTTP/0.9 request line). */
export class HttpVersionNotSupportedError extends AppError {
  readonly status = 505;
  readonly code = 'http_version_not_supported';
}

/** 504: the request did not finish within the configured timeout. */
export class TimeoutError extends AppError {
  readonly status = 504;
  readonly code = 'timeout';
}

/**
 * Start-up problem (bad configuration, unreachable database, missing keyspace).
 * The CLI prints its message, without a stack, and exits 1.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Configuration that fails validation; the message names the variable. */
export class ConfigError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * An explicitly configured backend (INFERENCE_BACKEND, TF_BACKEND) cannot start here; the
 * message names the setting and why. `auto` never throws it: it falls back instead.
 */
export class BackendUnavailableError extends StartupError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

/** The message of anything thrown: an Error's own, else its string form (for logs and CLIs). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first line of an error's message: enough to say why something was skipped, in one log field. */
export function errorSummary(error: unknown): string {
  const message = errorMessage(error);
  return message.split('\n')[0] ?? message;
}
