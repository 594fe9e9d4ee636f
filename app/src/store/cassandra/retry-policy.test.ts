import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { MAX_READ_RETRIES, ReadRetryingPolicy } from './retry-policy.js';

// The driver's decision codes (RetryPolicy.retryDecision at runtime; not in its typings).
const retryDecision = (cassandra.policies.retry.RetryPolicy as unknown as { retryDecision: { rethrow: number; retry: number } }).retryDecision;
const quorum = cassandra.types.consistencies.quorum;

function readTimeout(policy: ReadRetryingPolicy, nbRetry: number, received: number) {
  const info = { query: 'SELECT', executionOptions: {}, nbRetry } as unknown as cassandra.policies.retry.OperationInfo;
  return policy.onReadTimeout(info, quorum, received, 2, false);
}

describe('ReadRetryingPolicy', () => {
  it('retries a read that timed out with too few replicas on the next coordinator, at the same consistency', () => {
    const decision = readTimeout(new ReadRetryingPolicy(), 0, 1) as unknown as { decision: number; consistency: number; useCurrentHost: boolean };
    expect(decision.decision).toBe(retryDecision.retry);
    expect(decision.consistency).toBe(quorum);
    expect(decision.useCurrentHost).toBe(false);
  });

  it(`gives up after ${MAX_READ_RETRIES} retries so a dead cluster fails the request instead of hanging`, () => {
    expect(readTimeout(new ReadRetryingPolicy(), MAX_READ_RETRIES, 1).decision).toBe(retryDecision.rethrow);
  });
});
