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
