import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../errors.js';
import { createBodyBudget } from './body-budget.js';

describe('createBodyBudget', () => {
  it('reserves up to its bound, refuses past it with 503, and takes bytes back once', () => {
    const budget = createBodyBudget(100);
    const releaseA = budget.reserve(60);
    const releaseB = budget.reserve(40);
    expect(budget.reservedBytes).toBe(100);
    expect(() => budget.reserve(1)).toThrow(UnavailableError);
    releaseA();
    releaseA();
    expect(budget.reservedBytes).toBe(40);
    expect(() => budget.reserve(61)).toThrow('too many uploads are in progress: retry shortly');
    budget.reserve(60);
    releaseB();
    expect(budget.reservedBytes).toBe(60);
  });

  it('refuses one upload larger than the whole budget, and leaves the budget as it was', () => {
    const budget = createBodyBudget(100);
    const release = budget.reserve(30);
    expect(() => budget.reserve(101)).toThrow(UnavailableError);
    expect(budget.reservedBytes).toBe(30);
    release();
    expect(budget.reservedBytes).toBe(0);
  });
});
