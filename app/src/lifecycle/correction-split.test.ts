import { describe, expect, it } from 'vitest';
import type { Correction } from '../models/model-registry.js';
import { isHeldOut, splitCorrections } from './correction-split.js';

function correction(id: string): Correction {
  return { id, createdAt: new Date(0), input: new Uint8Array(784), digit: 8, label: 3, modelVersion: 'v1' };
}

describe('splitCorrections', () => {
  it('holds out about one correction in five, the same ones every time', () => {
    // Fixed ids shaped like the store's (UUIDv7): random ones would fall outside 0.17-0.23 about
    // once in 1,100 runs (binomial, n = 2000, p = 0.2), a test that fails by chance.
    const corrections = Array.from({ length: 2000 }, (_, i) => correction(`01938c5e-7b1a-7000-8000-${i.toString(16).padStart(12, '0')}`));
    const first = splitCorrections(corrections);
    const second = splitCorrections([...corrections].reverse());
    expect(first.heldOut.length / corrections.length).toBeGreaterThan(0.17);
    expect(first.heldOut.length / corrections.length).toBeLessThan(0.23);
    expect(first.train.length + first.heldOut.length).toBe(corrections.length);
    expect(new Set(second.heldOut.map((c) => c.id))).toEqual(new Set(first.heldOut.map((c) => c.id)));
  });

  it('decides by the id alone', () => {
    const id = '01938c5e-7b1a-7000-8000-000000000001';
    expect(isHeldOut(id)).toBe(isHeldOut(String(id)));
    const [a, b] = [correction(id), { ...correction(id), label: 5, digit: 1 }];
    expect(splitCorrections([a]).heldOut.length).toBe(splitCorrections([b]).heldOut.length);
  });
});
