import { UnknownModelVersionError } from '../errors.js';
import { isSafeName } from '../models/model-files.js';

/**
 * `X-Model-Version: <version>` on a prediction asks for that registered version instead of the
 * routed one (a shadow replay sends it to compare a candidate with the active version). Checked
 * here for shape only, before any work: whether the registry knows it is the router's question.
 */

export const MODEL_VERSION_HEADER = 'x-model-version';

/**
 * The version a request pins, or null when it pins none (header absent or empty). Throws
 * UnknownModelVersionError for a value that cannot be a version name (the message quotes at
 * most 64 characters of it, so that a hostile header is not echoed whole).
 */
export function readModelVersionHeader(value: string | readonly string[] | undefined): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') throw new UnknownModelVersionError(`give one ${MODEL_VERSION_HEADER} header, not ${value.length}`);
  const version = value.trim();
  if (version === '') return null;
  if (!isSafeName(version)) {
    const shown = JSON.stringify(version.slice(0, 64)) + (version.length > 64 ? '...' : '');
    throw new UnknownModelVersionError(`${MODEL_VERSION_HEADER} ${shown} is not a model version name (letters, digits, . _ -; at most 128)`);
  }
  return version;
}
