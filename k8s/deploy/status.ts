import { NAMES } from '../lib/names.js';
import type { Clients } from './clients.js';
import { toLabelSelector } from './diagnose.js';
import { readJobRecord } from './jobs.js';
import { getStatusCode } from './errors.js';
import { measureDeployment, measureJob, measureStatefulSet } from './rollout.js';

/** One line of `status`: what, how it is, and whether that is healthy. */
export interface StatusLine {
  readonly label: string;
  readonly text: string;
  readonly ok: boolean;
}

/** Runs a read; null when the object does not exist (404), other errors go up. */
async function readOrNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (getStatusCode(error) === 404) return null;
    throw error;
  }
}

const NOT_DEPLOYED = { text: 'not deployed', ok: false } as const;

/**
 * What is running in a namespace: Cassandra nodes ready, keyspace bootstrap done, app replicas
 * ready and the image(s) their pods run, and the addresses behind the app's Service.
 */
export async function readStatus(clients: Clients, namespace: string): Promise<StatusLine[]> {
  const { apps, batch, core, discovery } = clients;
  const sts = await readOrNull(() => apps.readNamespacedStatefulSet({ name: NAMES.cassandra, namespace }));
  const job = await readOrNull(() => batch.readNamespacedJob({ name: NAMES.keyspaceBootstrap, namespace }));
  const app = await readOrNull(() => apps.readNamespacedDeployment({ name: NAMES.digits, namespace }));
  const slices = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${NAMES.digits}` });

  const lines: StatusLine[] = [];
  if (sts === null) lines.push({ label: 'cassandra', ...NOT_DEPLOYED });
  else {
    const p = measureStatefulSet(sts);
    lines.push({ label: 'cassandra', text: `${p.ready}/${p.desired} nodes ready (statefulset/${NAMES.cassandra})`, ok: p.done });
  }
  if (job === null) {
    // The Job removes itself after it finishes (TTL); the deployer recorded its success.
    const recorded = (await readJobRecord(clients.objects, namespace, NAMES.keyspaceBootstrap)) !== undefined;
    lines.push({ label: 'keyspace', ...(recorded ? { text: 'bootstrap done (the finished Job was removed by its TTL)', ok: true } : NOT_DEPLOYED) });
  }
  else {
    const p = measureJob(job);
    const text = p.done
      ? `bootstrap done${job.status?.completionTime ? ` at ${job.status.completionTime.toISOString()}` : ''}`
      : (p.failed ?? `bootstrap running${p.detail ? ` (${p.detail})` : ''}`);
    lines.push({ label: 'keyspace', text: `${text} (job/${NAMES.keyspaceBootstrap})`, ok: p.done });
  }
  if (app === null) lines.push({ label: 'app', ...NOT_DEPLOYED });
  else {
    const p = measureDeployment(app);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: toLabelSelector(app.spec?.selector) });
    const running = new Map<string, number>();
    for (const pod of pods.items) {
      for (const c of pod.status?.containerStatuses ?? []) if (c.ready) running.set(c.image, (running.get(c.image) ?? 0) + 1);
    }
    const images = [...running].map(([image, n]) => `${image} x${n}`).join(', ') || 'no ready container';
    lines.push({ label: 'app', text: `${p.ready}/${p.desired} replicas ready, running ${images} (deployment/${NAMES.digits})`, ok: p.done });
  }
  const addresses = slices.items.flatMap((slice) => {
    const port = slice.ports?.[0]?.port;
    return slice.endpoints.filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses.map((a) => (port ? `${a}:${port}` : a)));
  });
  lines.push({
    label: 'endpoints',
    text: addresses.length > 0 ? `service/${NAMES.digits} -> ${addresses.join(', ')}` : `service/${NAMES.digits} has no ready endpoints`,
    ok: addresses.length > 0,
  });
  return lines;
}

/** The status as aligned lines, a mark for each: "ok" or "--". */
export function formatStatus(namespace: string, lines: readonly StatusLine[]): string {
  return [`namespace ${namespace}`, ...lines.map((l) => `  ${l.ok ? 'ok' : '--'}  ${l.label.padEnd(10)} ${l.text}`)].join('\n');
}
