import { ApiException, BatchV1Api, CoreV1Api, KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { JobManifest } from './replay-manifest.js';
import { errorMessage } from '../lib/errors.js';

/**
 * The few cluster operations a cluster-scale replay needs, behind a small interface so the
 * following and collecting logic above it can be unit-tested with recorded pods and logs. The
 * real implementation is client-node's typed Batch and Core APIs.
 */

export interface JobView {
  readonly uid: string;
  readonly active: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Conditions that are True, e.g. Complete, Failed (with their reason). */
  readonly conditions: readonly { readonly type: string; readonly reason?: string; readonly message?: string }[];
}

export interface PodView {
  readonly name: string;
  /** The pod's completion index (shard), from the Indexed Job annotation. */
  readonly index: number | null;
  readonly phase: string;
  /** Why the container is not running, e.g. ImagePullBackOff, or how it ended, e.g. Error. */
  readonly reason: string | null;
  readonly createdAtMs: number;
}

export interface ReplayCluster {
  readonly namespace: string;
  /** Creates the Job; rejects with a readable message when the name is taken. */
  createJob(job: JobManifest): Promise<JobView>;
  /** The Job's counts and conditions, or null when it no longer exists. */
  readJob(name: string): Promise<JobView | null>;
  /** The pods of the Job with this uid. */
  listPods(jobUid: string): Promise<PodView[]>;
  readLog(podName: string): Promise<string>;
  /** Deletes the Job and its pods (no-op when already gone). */
  deleteJob(name: string): Promise<void>;
}

const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

export function createKubeReplayCluster(kubeConfig: KubeConfig, namespace: string): ReplayCluster {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    namespace,
    async createJob(job) {
      try {
        return viewJob(await batch.createNamespacedJob({ namespace, body: job as unknown as V1Job }));
      } catch (error) {
        if (codeOf(error) === 409) throw new Error(`Job ${job.metadata.name} already exists in ${namespace}: pick another --name`);
        if (codeOf(error) === 404) throw new Error(`namespace ${namespace} not found: deploy the app first (make deploy)`);
        throw error;
      }
    },
    async readJob(name) {
      try {
        return viewJob(await batch.readNamespacedJob({ name, namespace }));
      } catch (error) {
        if (codeOf(error) === 404) return null;
        throw error;
      }
    },
    async listPods(jobUid) {
      const list = await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/controller-uid=${jobUid}` });
      return list.items.map(viewPod);
    },
    async readLog(podName) {
      try {
        return await core.readNamespacedPodLog({ name: podName, namespace, container: 'replay' });
      } catch (error) {
        throw new Error(describeApiError(error));
      }
    },
    async deleteJob(name) {
      try {
        await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
      } catch (error) {
        if (codeOf(error) !== 404) throw error;
      }
    },
  };
}

function viewJob(job: V1Job): JobView {
  return {
    uid: job.metadata?.uid ?? '',
    active: job.status?.active ?? 0,
    succeeded: job.status?.succeeded ?? 0,
    failed: job.status?.failed ?? 0,
    conditions: (job.status?.conditions ?? [])
      .filter((c) => c.status === 'True')
      .map((c) => ({ type: c.type, reason: c.reason, message: c.message })),
  };
}

function viewPod(pod: V1Pod): PodView {
  const index = pod.metadata?.annotations?.[COMPLETION_INDEX];
  const state = pod.status?.containerStatuses?.[0]?.state;
  return {
    name: pod.metadata?.name ?? '',
    index: index === undefined ? null : Number(index),
    phase: pod.status?.phase ?? 'Unknown',
    reason: state?.waiting?.reason ?? state?.terminated?.reason ?? null,
    createdAtMs: pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : 0,
  };
}

/** "500 no preferred addresses found" from client-node's multi-line ApiException. */
function describeApiError(error: unknown): string {
  if (!(error instanceof ApiException)) return errorMessage(error);
  const body: unknown = error.body;
  let message: unknown = (body as { message?: unknown } | null)?.message;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: unknown }).message;
    } catch {
      message = body;
    }
  }
  return `${error.code} ${typeof message === 'string' && message !== '' ? message : 'from the API server'}`;
}

function codeOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The usual kubeconfig: KUBECONFIG, then ~/.kube/config, then in-cluster. */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
