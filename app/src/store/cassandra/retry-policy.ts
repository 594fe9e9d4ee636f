import cassandra from 'cassandra-driver';

const { RetryPolicy } = cassandra.policies.retry;

/** How many times a read that timed out on the server is tried again on another coordinator. */
export const MAX_READ_RETRIES = 2;

/**
 * The driver's default policy gives up on a read that timed out with fewer replicas answering
 * than the consistency needs. That is exactly what happens for a few seconds after a node dies:
 * coordinators still count it alive until gossip marks it down, and pick it as a replica.
 * A read is always safe to repeat, so it is retried on the next coordinator (which may already
 * know, or pick other replicas) before the request fails. Writes keep the default behaviour:
 * a write that fails goes to the spool, which is the store's own retry.
 */
export class ReadRetryingPolicy extends RetryPolicy {
  override onReadTimeout(
    info: cassandra.policies.retry.OperationInfo,
    consistency: cassandra.types.consistencies,
    _received: number,
    _blockFor: number,
    _isDataPresent: boolean,
  ): cassandra.policies.retry.DecisionInfo {
    return info.nbRetry < MAX_READ_RETRIES ? this.retryResult(consistency, false) : this.rethrowResult();
  }
}
