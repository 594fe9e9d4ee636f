import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { getStatusCode } from '../deploy/errors.js';
import type { KubeObject } from '../deploy/kube-object.js';
import { KubeRest } from '../deploy/kube-rest.js';
import { DIGIT_MODEL_API } from '../lib/digit-model-crd.js';
import { LIFECYCLE_CONTAINER } from '../lib/lifecycle-job.js';
import { LABEL_COMPONENT } from '../lib/names.js';
import { sleep } from '../deploy/time.js';
import { StatusConflictError, type ControllerCluster } from './cluster.js';
import type { DigitModel } from './digit-model.js';
import { GENERATION_LABEL, MODEL_LABEL } from './job-manifest.js';
import { KubeLeaseStore } from './kube-lease-store.js';
import type { JobObservation } from './reconcile.js';

/** The controller's field manager: `kubectl get -o yaml --show-managed-fields` names who wrote what. */
export const CONTROLLER_FIELD_MANAGER = 'digitmodel-controller';

interface JobStatus {
  readonly conditions?: readonly { type: string; status: string; reason?: string; message?: string }[];
}
interface PodStatus {
  readonly phase?: string;
  readonly containerStatuses?: readonly { name: string; state?: { terminated?: { exitCode?: number; reason?: string; message?: string } } }[];
}

/**
 * ControllerCluster over the deployer's KubeRest (raw JSON, so status and specs go as written)
 * and client-node's Watch for the two watches: DigitModels, and lifecycle Jobs (by label, each
 * naming its DigitModel in MODEL_LABEL).
 */
export function createKubeControllerCluster(kubeConfig: KubeConfig, namespace: string, leaseName: string): ControllerCluster {
  const rest = new KubeRest(kubeConfig);
  const ns = encodeURIComponent(namespace);
  const modelsPath = `/apis/${DIGIT_MODEL_API.group}/${DIGIT_MODEL_API.version}/namespaces/${ns}/${DIGIT_MODEL_API.plural}`;
  const jobsPath = `/apis/batch/v1/namespaces/${ns}/jobs`;
  const modelPath = (name: string) => `${modelsPath}/${encodeURIComponent(name)}`;
  const getOrNull = async <T>(path: string): Promise<T | null> => {
    try {
      return await rest.request<T>('GET', path);
    } catch (error) {
      if (getStatusCode(error) === 404) return null;
      throw error;
    }
  };

  /** The termination message of the Job's pod that ended as `phase`, newest first. */
  async function podMessage(jobUid: string, phase: 'Succeeded' | 'Failed'): Promise<string | null> {
    const pods = await rest.request<{ items?: (KubeObject & { status?: PodStatus })[] }>('GET', `/api/v1/namespaces/${ns}/pods`, {
      query: { labelSelector: `batch.kubernetes.io/controller-uid=${jobUid}` },
    });
    const ended = (pods.items ?? [])
      .filter((pod) => pod.status?.phase === phase)
      .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
    for (const pod of ended) {
      const container = pod.status?.containerStatuses?.find((c) => c.name === LIFECYCLE_CONTAINER);
      const message = container?.state?.terminated?.message;
      if (message !== undefined && message !== '') return message;
    }
    return null;
  }

  return {
    namespace,
    leases: new KubeLeaseStore(rest, namespace, leaseName, CONTROLLER_FIELD_MANAGER),
    async listModels() {
      const list = await rest.request<{ items?: DigitModel[] }>('GET', modelsPath);
      return (list.items ?? []).map((item) => ({ ...item, apiVersion: `${DIGIT_MODEL_API.group}/${DIGIT_MODEL_API.version}`, kind: DIGIT_MODEL_API.kind }));
    },
    readModel: (name) => getOrNull<DigitModel>(modelPath(name)),
    async writeStatus(model, status) {
      const body = { apiVersion: model.apiVersion, kind: model.kind, metadata: { name: model.metadata.name, namespace, resourceVersion: model.metadata.resourceVersion }, spec: model.spec, status };
      try {
        await rest.request('PUT', `${modelPath(model.metadata.name)}/status`, { body, query: { fieldManager: CONTROLLER_FIELD_MANAGER } });
      } catch (error) {
        if (getStatusCode(error) === 409) throw new StatusConflictError(`DigitModel ${model.metadata.name} changed since it was read`);
        throw error;
      }
    },
    async observeJob(name): Promise<JobObservation> {
      const job = await getOrNull<KubeObject & { status?: JobStatus }>(`${jobsPath}/${encodeURIComponent(name)}`);
      if (job === null) return { state: 'missing' };
      const conditions = (job.status?.conditions ?? []).filter((c) => c.status === 'True');
      const uid = job.metadata.uid ?? '';
      if (conditions.some((c) => c.type === 'Complete')) return { state: 'succeeded', message: await podMessage(uid, 'Succeeded') };
      const failed = conditions.find((c) => c.type === 'Failed');
      if (failed === undefined) return { state: 'running' };
      const tail = await podMessage(uid, 'Failed');
      const message = [failed.message, tail === null ? null : `last output: ${tail.trim().split('\n').slice(-5).join(' | ')}`].filter(Boolean).join('; ');
      return { state: 'failed', reason: failed.reason ?? 'Failed', message };
    },
    async createJob(job) {
      try {
        await rest.request('POST', jobsPath, { body: job, query: { fieldManager: CONTROLLER_FIELD_MANAGER, fieldValidation: 'Strict' } });
        return 'created';
      } catch (error) {
        if (getStatusCode(error) === 409) return 'exists';
        throw error;
      }
    },
    async stopSupersededJobs(modelName, generation) {
      const jobs = await rest.request<{ items?: (KubeObject & { status?: JobStatus })[] }>('GET', jobsPath, {
        query: { labelSelector: `${MODEL_LABEL}=${modelName}` },
      });
      const superseded = (jobs.items ?? []).filter((job) =>
        job.metadata.labels?.[GENERATION_LABEL] !== String(generation) &&
        !(job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True'));
      for (const job of superseded) {
        await rest.request('DELETE', `${jobsPath}/${encodeURIComponent(job.metadata.name)}`, {
          body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
        }).catch((error: unknown) => {
          if (getStatusCode(error) !== 404) throw error;
        });
      }
      return superseded.map((job) => job.metadata.name);
    },
    watch(onChange, onError, signal) {
      const watch = new Watch(kubeConfig);
      void follow(watch, modelsPath, {}, (object) => object.metadata?.name, onChange, onError, signal);
      const lifecycleJobs = { labelSelector: `${LABEL_COMPONENT}=lifecycle,${MODEL_LABEL}` };
      void follow(watch, jobsPath, lifecycleJobs, (object) => object.metadata?.labels?.[MODEL_LABEL], onChange, onError, signal);
    },
  };
}

type Watched = { metadata?: { name?: string; labels?: Record<string, string> } };

/** One watch, restarted whenever it ends (the API server closes watches after a while, or with 410 Gone). */
async function follow(
  watch: Watch,
  path: string,
  query: Record<string, string>,
  modelOf: (object: Watched) => string | undefined,
  onChange: (modelName: string) => void,
  onError: (error: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const done = (error: unknown) => {
        if (error && !signal.aborted) onError(error);
        resolve();
      };
      watch.watch(path, query, (type: string, object: Watched) => {
        const name = type === 'ERROR' ? undefined : modelOf(object);
        if (name !== undefined) onChange(name);
      }, done).then((controller) => {
        if (signal.aborted) controller.abort();
        else signal.addEventListener('abort', () => controller.abort(), { once: true });
      }, done);
    });
    await sleep(1000, signal);
  }
}
