import { describe, expect, it } from 'vitest';
import { UnknownModelVersionError } from '../errors.js';
import { readModelVersionHeader } from './model-version-header.js';

describe('the X-Model-Version header', () => {
  it('pins nothing when absent or blank', () => {
    expect(readModelVersionHeader(undefined)).toBeNull();
    expect(readModelVersionHeader('  ')).toBeNull();
  });

  it('names a version, trimmed', () => {
    expect(readModelVersionHeader(' 2026-12-04-ft-a1b2c3 ')).toBe('2026-12-04-ft-a1b2c3');
  });

  it('refuses a name that could be a path, with a 400 that quotes it', () => {
    for (const bad of ['../etc', '.hidden', 'a/b', 'v 1', 'x'.repeat(129)]) {
      expect(() => readModelVersionHeader(bad)).toThrow(UnknownModelVersionError);
    }
    const error = (() => {
      try {
        readModelVersionHeader('../etc');
      } catch (e) {
        return e as UnknownModelVersionError;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ status: 400, code: 'unknown_model_version', expose: true });
    expect(error?.message).toContain('"../etc" is not a model version name');
  });

  it('does not echo a long hostile value whole', () => {
    expect(() => readModelVersionHeader('/'.repeat(10_000))).toThrow(/^x-model-version "\/{64}"\.\.\. is not/);
  });

  it('refuses the header given twice', () => {
    expect(() => readModelVersionHeader(['a', 'b'])).toThrow(/one x-model-version header, not 2/);
  });
});
