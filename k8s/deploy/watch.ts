import { GENERATED_SECRETS, type GeneratedSecret } from '../lib/names.js';
import type { Clients } from './clients.js';
import { applyObject } from './apply-object.js';
import { toRef } from './kube-object.js';
import { planPhases } from './plan.js';
import type { Report } from './progress.js';
import type { Release } from './release.js';
import { buildSecret } from './secrets.js';
import { sleep } from './time.js';
import { errorMessage } from '../lib/errors.js';

export interface WatchOptions {
  /** Time between two reconcile passes. */
  readonly intervalMs: number;
  readonly report: Report;
  /** Aborted on SIGINT/SIGTERM: the loop ends after the pass in progress. */
  readonly signal: AbortSignal;
  readonly secrets?: readonly GeneratedSecret[];
}

/**
 * One reconcile pass, as an operator's loop would do it: re-apply every object of the release
 * under the deployer's field manager. Server-side apply with force takes back fields someone
 * changed by hand and recreates deleted objects; applyObject tells a real repair from a no-op. A finished Job is left alone (re-applying it would change nothing); a deleted
 * one is created again. Generated Secrets are reported, never regenerated, when missing.
 * Returns how many objects were repaired.
 */
export async function reconcileOnce(clients: Clients, release: Release, options: Pick<WatchOptions, 'report' | 'secrets'>, warned = new Set<string>()): Promise<number> {
  let repaired = 0;
  for (const definition of options.secrets ?? GENERATED_SECRETS) {
    const ref = `secret/${definition.name}`;
    const missing = (await clients.objects.get(buildSecret(definition, release.namespace, () => ''))) === null;
    if (missing && !warned.has(ref)) options.report({ type: 'secret', ref, result: 'missing' });
    if (missing) warned.add(ref);
    else warned.delete(ref);
  }
  for (const phase of planPhases(release.objects)) {
    for (const object of phase.objects) {
      // A Job that exists is left alone: its spec cannot drift (it is immutable).
      if (object.kind === 'Job' && (await clients.objects.get(object)) !== null) continue;
      const outcome = await applyObject(clients.objects, object, false);
      if (outcome.result === 'unchanged') continue;
      repaired++;
      const how = outcome.result === 'configured' ? 'reapplied' : 'recreated';
      options.report({ type: 'repaired', ref: toRef(object), how });
    }
  }
  return repaired;
}

/** Reconciles every `intervalMs` until the signal aborts; a failed pass is reported and retried. */
export async function watchRelease(clients: Clients, release: Release, options: WatchOptions): Promise<void> {
  const warned = new Set<string>();
  options.report({ type: 'note', message: `watching ${release.objects.length} objects for drift every ${options.intervalMs / 1000}s (Ctrl-C to stop)` });
  while (!options.signal.aborted) {
    try {
      await reconcileOnce(clients, release, options, warned);
    } catch (error) {
      options.report({ type: 'note', message: `reconcile failed, retrying: ${errorMessage(error)}` });
    }
    await sleep(options.intervalMs, options.signal);
  }
  options.report({ type: 'note', message: 'stopped watching' });
}
