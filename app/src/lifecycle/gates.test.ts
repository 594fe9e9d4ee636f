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
};

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
});
