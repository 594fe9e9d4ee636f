import { describe, expect, it } from 'vitest';
import type { Outcome, ReplayItem } from './outcome.js';
import { buildShadowReport, createShadowAggregate, formatShadowSummary, recordPair, type ShadowAnswer } from './shadow.js';

function item(label: number | null, recordedDigit: number | null = 3): ReplayItem {
  return { sourceIndex: 0, body: new Uint8Array(0), contentType: 'image/png', label, recordedDigit };
}

function ok(digit: number, latencyMs = 5): ShadowAnswer {
  const outcome: Outcome = { status: 201, id: 'x', digit, modelVersion: 'v' };
  return { outcome, latencyMs };
}

function failed(status: number | 'network', latencyMs = 1): ShadowAnswer {
  return { outcome: { status }, latencyMs };
}

describe('shadow replay aggregation', () => {
  it('counts agreement on the pairs both answered, and on the uncorrected inputs apart', () => {
    const shadow = createShadowAggregate('cand', 'act');
    recordPair(shadow, item(null), ok(3), ok(3));
    recordPair(shadow, item(null), ok(5), ok(3));
    // Corrected by a user (label 7, recorded answer 3): the candidate learned it, the active did not.
    recordPair(shadow, item(7), ok(7), ok(3));
    // Confirmed by a user (label = recorded answer): uncorrected.
    recordPair(shadow, item(3), ok(3), ok(3));
    const report = buildShadowReport(shadow);
    expect(report).toMatchObject({ pairs: 4, compared: 4, agreed: 2, agreement: 0.5, uncorrected: { compared: 3, agreed: 2, agreement: 0.666667 } });
    expect(report.candidate).toMatchObject({ version: 'cand', requests: 4, ok: 4, errors: 0, labelled: 2, correct: 2, accuracy: 1 });
    expect(report.active).toMatchObject({ version: 'act', labelled: 2, correct: 1, accuracy: 0.5 });
  });

  it('counts each side\'s failures by status and leaves failed pairs out of the agreement', () => {
    const shadow = createShadowAggregate('cand', 'act');
    recordPair(shadow, item(null), failed(503), ok(3));
    recordPair(shadow, item(null), failed('network'), ok(3));
    recordPair(shadow, item(null), ok(3), ok(3));
    const report = buildShadowReport(shadow);
    expect(report).toMatchObject({ pairs: 3, compared: 1, agreed: 1, agreement: 1 });
    expect(report.candidate).toMatchObject({ requests: 3, ok: 1, errors: 2, errorsByStatus: { 503: 1, network: 1 } });
    expect(report.active).toMatchObject({ requests: 3, ok: 3, errors: 0, accuracy: null });
  });

  it('keeps each side\'s latency apart', () => {
    const shadow = createShadowAggregate('cand', 'act');
    for (let i = 1; i <= 100; i += 1) recordPair(shadow, item(null), ok(1, i), ok(1, 2));
    const report = buildShadowReport(shadow);
    expect(report.candidate.latencyMs.p99).toBeCloseTo(99, 0);
    expect(report.candidate.latencyMs.p50).toBeCloseTo(50, 0);
    expect(report.active.latencyMs.p99).toBe(2);
  });

  it('reports nothing to compare as null, and says so for people', () => {
    const report = buildShadowReport(createShadowAggregate('cand', 'act'));
    expect(report.agreement).toBeNull();
    expect(report.uncorrected.agreement).toBeNull();
    const lines = formatShadowSummary(report);
    expect(lines[0]).toContain('agreement candidate vs active n/a (0/0');
    expect(lines[1]).toContain('cand: ok 0/0');
  });
});
