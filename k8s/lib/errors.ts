/**
 * Errors shared by the k8s tools (the deployer and the cluster-scale replay). The app has its
 * own (app/src/errors.ts, app/src/cli/args.ts): app/ and k8s/ never import each other.
 */

/** Wrong flags or command: the CLI prints the message with its usage text and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The message of anything thrown: an Error's own, else its string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
