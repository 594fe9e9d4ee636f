import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { canaryOptions, gateOptions } from './lifecycle-flags.js';

describe('the gate flags', () => {
  it('measures in-process without --service-url', () => {
    expect(gateOptions({})).toEqual({});
  });

  it('takes an http(s) service URL, without a trailing slash', () => {
    expect(gateOptions({ 'service-url': 'http://mnist.digits.svc:3000/' })).toEqual({ serviceUrl: 'http://mnist.digits.svc:3000' });
    expect(canaryOptions({ 'service-url': 'https://example.test' }, new AbortController().signal).gateOptions).toEqual({ serviceUrl: 'https://example.test' });
  });

  it('refuses anything else as a usage error', () => {
    for (const bad of ['mnist:3000', 'ftp://x', 'not a url', '']) {
      expect(() => gateOptions({ 'service-url': bad })).toThrow(UsageError);
    }
  });
});
