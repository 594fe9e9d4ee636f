import { describe, expect, it } from 'vitest';
import { buildShadowReport, createShadowAggregate, recordPair } from '../replay/shadow.js';
import type { ReplayItem } from '../replay/outcome.js';
import { trafficFromShadow, trafficWithoutRecorded } from './traffic-figures.js';

const item = (label: number | null): ReplayItem => ({ sourceIndex: 0, body: new Uint8Array(0), contentType: 'image/png', label, recordedDigit: 3 });
const answer = (digit: number | null, latencyMs: number) => ({ outcome: digit === null ? { status: 503 } : { status: 201, id: 'x', digit }, latencyMs });

describe('the gate figures from a shadow replay', () => {
  it('takes agreement on the uncorrected inputs, the p99 of each side, and each side\'s failures', () => {
    const shadow = createShadowAggregate('cand', 'act');
    for (let i = 0; i < 9; i += 1) recordPair(shadow, item(null), answer(3, 20), answer(3, 4));
    recordPair(shadow, item(null), answer(5, 20), answer(3, 4));
    // A corrected input the candidate learned: not part of the agreement the gate judges.
    recordPair(shadow, item(7), answer(7, 20), answer(3, 4));
    recordPair(shadow, item(null), answer(null, 1), answer(3, 4));
    const figures = trafficFromShadow(buildShadowReport(shadow), 'http://svc');
    expect(figures).toMatchObject({
      recordedInputs: 10,
      agreement: 0.9,
      agreementMeasuredBy: 'service',
      p99MeasuredBy: 'service',
      serviceUrl: 'http://svc',
      candidateFailures: 1,
      activeFailures: 0,
    });
    expect(figures.candidateP99Ms).toBeCloseTo(20, 1);
    expect(figures.activeP99Ms).toBeCloseTo(4, 1);
  });

  it('without recorded traffic: agreement null, the p99 measured in-process', () => {
    expect(trafficWithoutRecorded({ candidateP99Ms: 1.5, activeP99Ms: 1.2 }, 'http://svc')).toEqual({
      recordedInputs: 0,
      agreement: null,
      candidateP99Ms: 1.5,
      activeP99Ms: 1.2,
      agreementMeasuredBy: 'service',
      p99MeasuredBy: 'in-process',
      serviceUrl: 'http://svc',
      candidateFailures: null,
      activeFailures: null,
    });
  });
});
