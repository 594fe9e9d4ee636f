import { GENERATED_SECRETS, type GeneratedSecret } from '../lib/names.js';
import type { Clients } from './clients.js';
import { applyObject } from './apply-object.js';
import { DeployError } from './errors.js';
import { type KubeObject, toRef } from './kube-object.js';
import { listNamespaces, planPhases, chooseWait } from './plan.js';
import type { ApplyResult, Report } from './progress.js';
import { pruneRelease } from './prune.js';
import { prepareRelease, type Release, retargetRelease } from './release.js';
import { ensureSecrets } from './secrets.js';
import { hashJobSpec, recordJobSuccess } from './jobs.js';
import { waitFor } from './wait.js';
import { errorMessage } from '../lib/errors.js';

export interface DeployOptions {
  readonly manifests: readonly KubeObject[];
  /** Server-side dry run: everything is validated by the API server, nothing changes. */
  readonly dryRun?: boolean;
  /** Replaces the app's image (see image.ts). */
  readonly image?: string;
  /** One deadline for the whole deploy, every wait included. */
  readonly timeoutMs: number;
  /** The timeout as a person gave it ("10m"), for messages. @default `${timeoutMs / 1000}s` */
  readonly timeoutLabel?: string;
  readonly report: Report;
  /** Secrets generated when missing. @default GENERATED_SECRETS from k8s/lib/names.ts */
  readonly secrets?: readonly GeneratedSecret[];
}

export interface DeploySummary {
  readonly counts: Readonly<Record<ApplyResult, number>>;
  readonly pruned: number;
  readonly durationMs: number;
  readonly release: Release;
}

/**
 * Applies a release in dependency order: namespace, generated Secrets and config, Cassandra
 * (waits until the StatefulSet is ready), the keyspace Job (waits for success), the app (waits
 * for the rollout), the rest; then prunes what an earlier release had and this one has not.
 */
export async function deploy(clients: Clients, options: DeployOptions): Promise<DeploySummary> {
  const startedMs = Date.now();
  const dryRun = options.dryRun === true;
  const { report } = options;
  let release = await prepareRelease(clients.objects, options.manifests, options.image);
  if (dryRun && !(await namespaceExists(clients, release.namespace))) {
    report({ type: 'note', message: `namespace ${release.namespace} does not exist yet: dry-running its objects in namespace "default"` });
    release = retargetRelease(release, 'default');
  }
  const counts: Record<ApplyResult, number> = { created: 0, configured: 0, unchanged: 0, recreated: 0, valid: 0 };
  const waitOptions = {
    deadlineMs: startedMs + options.timeoutMs,
    timeoutLabel: options.timeoutLabel ?? `${Math.round(options.timeoutMs / 1000)}s`,
    report,
  };
  let secretsDone = false;
  for (const phase of planPhases(release.objects)) {
    if (phase.name !== 'namespace' && !secretsDone) {
      report({ type: 'phase', phase: 'secrets' });
      await ensureSecrets(clients.objects, options.secrets ?? GENERATED_SECRETS, release.namespace, { dryRun, report });
      secretsDone = true;
    }
    report({ type: 'phase', phase: phase.name });
    const settled = new Set<KubeObject>();
    for (const object of phase.objects) {
      const outcome = await applyObject(clients.objects, object, dryRun).catch((error: unknown) => {
        throw new DeployError(`applying ${toRef(object)} failed: ${errorMessage(error)}`);
      });
      counts[outcome.result]++;
      if (outcome.settled === true) settled.add(object);
      report({ type: 'applied', ref: toRef(object), result: outcome.result, detail: outcome.detail });
    }
    if (dryRun) continue;
    for (const object of phase.objects) {
      const kind = chooseWait(object, phase.name);
      if (kind === null || settled.has(object)) continue;
      await waitFor(clients, object, kind, waitOptions);
      if (kind === 'job') await recordJobSuccess(clients.objects, release.namespace, object.metadata.name, hashJobSpec(object));
    }
  }
  report({ type: 'phase', phase: 'prune' });
  const pruned = await pruneRelease(clients.objects, release.objects, listNamespaces(release.objects), { dryRun, report });
  return { counts, pruned: pruned.length, durationMs: Date.now() - startedMs, release };
}

async function namespaceExists(clients: Clients, name: string): Promise<boolean> {
  return (await clients.objects.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })) !== null;
}

/** "deployed in 34s: 3 created, 10 unchanged, 1 pruned" (zero counts left out). */
export function formatSummary(summary: DeploySummary, dryRun: boolean): string {
  const parts = Object.entries(summary.counts)
    .filter(([, n]) => n > 0)
    .map(([result, n]) => `${n} ${result}`);
  if (summary.pruned > 0) parts.push(`${summary.pruned} ${dryRun ? 'would be pruned' : 'pruned'}`);
  const verb = dryRun ? 'dry run accepted by the API server' : 'deployed';
  return `${verb} in ${Math.round(summary.durationMs / 1000)}s: ${parts.join(', ') || 'nothing to do'}`;
}
