/**
 * A failure explained in a person's words (which object, what Kubernetes says, what to look at).
 * The CLI prints its message without a stack and exits 1.
 */
export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployError';
  }
}

/** A failed API call: the HTTP status and the API server's own message (a Status object's). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The HTTP status of an API error from either this client or client-node (ApiException.code). */
export function getStatusCode(error: unknown): number | undefined {
  if (error instanceof KubeApiError) return error.statusCode;
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') return error.code;
  return undefined;
}
