import multer from '@koa/multer';
import { InvalidRequestError, MissingImageError, PayloadTooLargeError, UnsupportedImageError } from '../errors.js';
import { PREDICTION_SOURCES, type PredictionSource } from '../store/prediction-store.js';
import type { AppContext } from './request-context.js';
import type { BodyBudget } from './body-budget.js';
import { assertDeclaredLength, readBoundedBody, readContentLength } from './limits.js';

/** The multipart field that carries the image. */
export const IMAGE_FIELD = 'image';

/** An image as the client sent it, before any decoding. */
export interface ImageUpload {
  readonly bytes: Buffer;
  readonly source: PredictionSource;
}

/** Reads the image of a prediction request from a multipart form or a raw image/* body. */
export type ImageReader = (ctx: AppContext) => Promise<ImageUpload>;

const HOW_TO_SEND = `send the image as multipart field "${IMAGE_FIELD}" or as a raw image/* body`;

/** `source` from the multipart field or `?source=`; `api` when absent. */
export function parseSource(value: unknown): PredictionSource {
  if (value === undefined || value === null || value === '') return 'api';
  if (typeof value === 'string' && (PREDICTION_SOURCES as readonly string[]).includes(value)) {
    return value as PredictionSource;
  }
  throw new InvalidRequestError(`source must be one of ${PREDICTION_SOURCES.join(', ')}`);
}

function hasBody(ctx: AppContext): boolean {
  const length = readContentLength(ctx.req);
  return length === undefined ? ctx.req.headers['transfer-encoding'] !== undefined : length > 0;
}

interface MulterErrorLike extends Error {
  readonly code: string;
  readonly field?: string;
}

function isMulterError(error: unknown): error is MulterErrorLike {
  return error instanceof Error && error.name === 'MulterError' && typeof (error as Partial<MulterErrorLike>).code === 'string';
}

/** Multer and busboy speak their own errors; the API speaks AppErrors. */
function translateMultipartError(error: unknown, maxBodyBytes: number): Error {
  if (!isMulterError(error)) {
    return new InvalidRequestError('the multipart body is malformed', { cause: error });
  }
  switch (error.code) {
    case 'LIMIT_FILE_SIZE':
      return new PayloadTooLargeError(`the image is over the limit of ${maxBodyBytes} bytes`);
    case 'LIMIT_UNEXPECTED_FILE':
      return new MissingImageError(`unexpected file field "${error.field ?? ''}": ${HOW_TO_SEND}`);
    default:
      return new InvalidRequestError(`the multipart body breaks a limit (${error.message})`);
  }
}

/**
 * Builds the reader. Both paths enforce `maxBodyBytes` while streaming (declared length
 * first, then counted bytes), so no request can make the service buffer more than that; and
 * each upload holds its share of `budget` until its response is done, so that all of them
 * together cannot either.
 */
export function createImageReader(maxBodyBytes: number, budget: BodyBudget): ImageReader {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBodyBytes, files: 1, fields: 8, fieldSize: 1024, fieldNameSize: 100, parts: 10, headerPairs: 50 },
  }).single(IMAGE_FIELD);

  return async (ctx) => {
    if (!hasBody(ctx)) throw new MissingImageError(`the request has no body: ${HOW_TO_SEND}`);
    assertDeclaredLength(ctx.req, maxBodyBytes);
    const release = budget.reserve(readContentLength(ctx.req) ?? maxBodyBytes);
    ctx.res.once('close', release);

    if (ctx.is('multipart/form-data')) {
      try {
        await upload(ctx, async () => undefined);
      } catch (error) {
        throw translateMultipartError(error, maxBodyBytes);
      }
      const file = ctx.request.file as multer.File | undefined;
      if (file === undefined) throw new MissingImageError(`the form has no "${IMAGE_FIELD}" file: ${HOW_TO_SEND}`);
      if (file.size === 0) throw new MissingImageError(`the "${IMAGE_FIELD}" file is empty`);
      const fields = (ctx.request as { body?: unknown }).body as Record<string, unknown> | undefined;
      return { bytes: file.buffer, source: parseSource(fields?.source ?? ctx.query.source) };
    }

    if (ctx.is('image/*')) {
      if (ctx.is('image/svg+xml')) throw new UnsupportedImageError('vector images (SVG) are not accepted: send PNG, JPEG, WebP, GIF or TIFF');
      const source = parseSource(ctx.query.source);
      const bytes = await readBoundedBody(ctx.req, maxBodyBytes);
      if (bytes.length === 0) throw new MissingImageError(`the request body is empty: ${HOW_TO_SEND}`);
      return { bytes, source };
    }

    const type = ctx.get('content-type') || 'none';
    throw new UnsupportedImageError(`content type "${type}" is not an image: ${HOW_TO_SEND}`);
  };
}
