import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE_THRESHOLDS, judgeGates, type GateFigures } from './gates.js';

const healthy: GateFigures = {
  active: 'v1',
  candidateMnistAccuracy: 0.9935,
  activeMnistAccuracy: 0.9941,
  heldOutCorrections: 25,
  candidateHeldOutAccuracy: 0.88,
  activeHeldOutAccuracy: 0.04,
  recordedInputs: 400,
  agreement: 0.995,
  candidateP99Ms: 0.4,
  activeP99Ms: 0.4,
  mnistMeasuredBy: 'in-process',
  heldOutMeasuredBy: 'in-process',
  agreementMeasuredBy: 'in-process',
  p99MeasuredBy: 'in-process',
  serviceUrl: null,
  candidateFailures: null,
  activeFailures: null,
};

/** The same, with agreement and p99 from a shadow replay through a service. */
const throughService: GateFigures = { ...healthy, agreementMeasuredBy: 'service', p99MeasuredBy: 'service', serviceUrl: 'http://mnist:3000', candidateFailures: 0, activeFailures: 0, candidateP99Ms: 12 };

describe('judgeGates', () => {
  it('passes a candidate within 0.1 point of the active on MNIST that is better on the held-out corrections', () => {
    const verdict = judgeGates(healthy, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.passed).toBe(true);
    expect(verdict.reasons).toHaveLength(4);
  });

  it('rejects a candidate more than 0.1 point below the active on MNIST, and says so first', () => {
    const verdict = judgeGates({ ...healthy, candidateMnistAccuracy: 0.9929 }, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[0]).toBe('MNIST accuracy 99.29% < 99.31% required (active 99.41%)');
  });

  it('takes exactly 0.1 point below the active as passing, despite float rounding', () => {
    expect(judgeGates({ ...healthy, candidateMnistAccuracy: 0.9931 }, DEFAULT_GATE_THRESHOLDS).passed).toBe(true);
  });

  it('rejects a candidate worse than the active on the held-out corrections', () => {
    const verdict = judgeGates({ ...healthy, candidateHeldOutAccuracy: 0.6, activeHeldOutAccuracy: 0.64 }, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[0]).toMatch(/^held-out correction accuracy 60.00% < active's 64.00%/);
  });

  it('rejects a candidate that disagrees with the active on recorded traffic', () => {
    const verdict = judgeGates({ ...healthy, agreement: 0.9 }, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[0]).toMatch(/^agreement with the active on 400 recorded inputs 90.00% < 97.00% required/);
  });

  it('rejects a slow candidate', () => {
    const verdict = judgeGates({ ...healthy, candidateP99Ms: 80 }, { ...DEFAULT_GATE_THRESHOLDS, maxP99Ms: 50 });
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[0]).toBe('model call p99 80.00 ms > 50 ms (active 0.40 ms)');
  });

  it('passes the corrections and agreement gates when there is nothing to compare on', () => {
    const verdict = judgeGates({ ...healthy, heldOutCorrections: 0, candidateHeldOutAccuracy: null, activeHeldOutAccuracy: null, recordedInputs: 0, agreement: null }, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.passed).toBe(true);
    expect(verdict.reasons).toContain('no held-out corrections to compare on');
    expect(verdict.reasons).toContain('no recorded traffic to compare on');
  });

  it('lists every failed gate', () => {
    const verdict = judgeGates({ ...healthy, candidateMnistAccuracy: 0.1, agreement: 0.1, candidateHeldOutAccuracy: 0 }, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.reasons.filter((r) => r.includes(' < '))).toHaveLength(3);
  });

  it('names the service when agreement and p99 came through it, and judges its failures', () => {
    const verdict = judgeGates({ ...throughService, agreement: 0.9 }, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[0]).toBe('agreement with the active on 400 recorded inputs through the service at http://mnist:3000 90.00% < 97.00% required');
    expect(verdict.reasons).toContain('request p99 through the service 12.00 ms <= 50 ms (active 0.40 ms)');
    expect(verdict.reasons).toContain('shadow requests failed: candidate 0 <= active 0');
  });

  it('through the service, passes a p99 over the threshold only when the active was as slow in the same replay', () => {
    const slowService = judgeGates({ ...throughService, candidateP99Ms: 64, activeP99Ms: 81 }, DEFAULT_GATE_THRESHOLDS);
    expect(slowService.passed).toBe(true);
    expect(slowService.reasons).toContain("request p99 through the service 64.00 ms > 50 ms, but within 10% of the active's 81.00 ms in the same replay: the service is slow, not the candidate");
    const slowCandidate = judgeGates({ ...throughService, candidateP99Ms: 64, activeP99Ms: 20 }, DEFAULT_GATE_THRESHOLDS);
    expect(slowCandidate.passed).toBe(false);
    expect(slowCandidate.reasons[0]).toBe('request p99 through the service 64.00 ms > 50 ms (active 20.00 ms)');
    // In-process the model call alone is timed: the threshold holds whatever the active did.
    expect(judgeGates({ ...healthy, candidateP99Ms: 64, activeP99Ms: 81 }, DEFAULT_GATE_THRESHOLDS).passed).toBe(false);
  });

  it('rejects a candidate that failed shadow requests the active answered', () => {
    const verdict = judgeGates({ ...throughService, candidateFailures: 3 }, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[0]).toBe('shadow requests failed: candidate 3 > active 0');
  });

  it('says the service had no recorded traffic, and passes that gate as in-process', () => {
    const verdict = judgeGates({ ...throughService, recordedInputs: 0, agreement: null, p99MeasuredBy: 'in-process', candidateFailures: null, activeFailures: null }, DEFAULT_GATE_THRESHOLDS);
    expect(verdict.passed).toBe(true);
    expect(verdict.reasons).toContain('no recorded traffic to compare on (none recorded by the service at http://mnist:3000)');
    expect(verdict.reasons).toContain('model call p99 12.00 ms <= 50 ms (active 0.40 ms)');
  });
});
