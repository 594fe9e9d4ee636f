import type { KubeObject } from '../../deploy/kube-object.js';
import { StatusConflictError, type ControllerCluster } from '../../controller/cluster.js';
import type { DigitModel, DigitModelSpec, DigitModelStatus } from '../../controller/digit-model.js';
import { LeaseConflictError, type LeaseRecord, type LeaseSpec, type LeaseStore } from '../../controller/leader-election.js';
import { GENERATION_LABEL, MODEL_LABEL } from '../../controller/job-manifest.js';
import type { JobObservation } from '../../controller/reconcile.js';

/**
 * An in-memory API server for the controller's unit tests: DigitModels with generations and
 * resourceVersions (status writes conflict like the real status subresource), Jobs whose outcome
 * a test sets, one Lease, and watch callbacks fired on every change. Test support only.
 */
export class FakeCluster implements ControllerCluster {
  readonly namespace = 'mnist';
  readonly models = new Map<string, DigitModel>();
  readonly jobs = new Map<string, { manifest: KubeObject; observation: JobObservation }>();
  readonly leases: LeaseStore;
  statusWrites = 0;
  private version = 0;
  private listeners: ((name: string) => void)[] = [];
  private lease: LeaseRecord | null = null;

  constructor() {
    const nextVersion = () => String(++this.version);
    this.leases = {
      get: async () => this.lease,
      create: async (spec: LeaseSpec) => {
        if (this.lease !== null) throw new LeaseConflictError('exists');
        return (this.lease = { ...spec, resourceVersion: nextVersion() });
      },
      update: async (spec: LeaseSpec, resourceVersion: string) => {
        if (this.lease?.resourceVersion !== resourceVersion) throw new LeaseConflictError('stale');
        return (this.lease = { ...spec, resourceVersion: nextVersion() });
      },
    };
  }

  get leaseHolder(): string | null {
    return this.lease?.holderIdentity ?? null;
  }

  /** Creates or changes a DigitModel's spec (a new generation), as `kubectl apply` would. */
  applyModel(name: string, spec: DigitModelSpec): void {
    const old = this.models.get(name);
    this.models.set(name, {
      apiVersion: 'mnist-k8s.dev/v1alpha1',
      kind: 'DigitModel',
      metadata: { name, namespace: this.namespace, uid: `uid-${name}`, generation: (old?.metadata.generation ?? 0) + 1, resourceVersion: String(++this.version) },
      spec,
      status: old?.status,
    });
    this.notify(name);
  }

  /** Sets what became of a Job, as the Job controller and kubelet would. */
  finishJob(name: string, observation: JobObservation): void {
    const job = this.jobs.get(name);
    if (job === undefined) throw new Error(`no Job ${name}`);
    job.observation = observation;
    this.notify(job.manifest.metadata.labels?.[MODEL_LABEL] ?? '');
  }

  async listModels(): Promise<DigitModel[]> {
    return [...this.models.values()];
  }
  async readModel(name: string): Promise<DigitModel | null> {
    return this.models.get(name) ?? null;
  }
  async writeStatus(model: DigitModel, status: DigitModelStatus): Promise<void> {
    const live = this.models.get(model.metadata.name);
    if (live === undefined || live.metadata.resourceVersion !== model.metadata.resourceVersion) throw new StatusConflictError('changed');
    this.statusWrites++;
    this.models.set(model.metadata.name, { ...live, status: JSON.parse(JSON.stringify(status)) as DigitModelStatus, metadata: { ...live.metadata, resourceVersion: String(++this.version) } });
  }
  async observeJob(name: string): Promise<JobObservation> {
    return this.jobs.get(name)?.observation ?? { state: 'missing' };
  }
  async createJob(job: KubeObject): Promise<'created' | 'exists'> {
    if (this.jobs.has(job.metadata.name)) return 'exists';
    this.jobs.set(job.metadata.name, { manifest: job, observation: { state: 'running' } });
    return 'created';
  }
  async stopSupersededJobs(modelName: string, generation: number): Promise<string[]> {
    const superseded = [...this.jobs.entries()].filter(([, job]) =>
      job.manifest.metadata.labels?.[MODEL_LABEL] === modelName &&
      job.manifest.metadata.labels?.[GENERATION_LABEL] !== String(generation) &&
      job.observation.state === 'running');
    for (const [name] of superseded) this.jobs.delete(name);
    return superseded.map(([name]) => name);
  }
  watch(onChange: (modelName: string) => void, _onError: (error: unknown) => void, signal: AbortSignal): void {
    this.listeners.push(onChange);
    for (const name of this.models.keys()) onChange(name);
    signal.addEventListener('abort', () => { this.listeners = this.listeners.filter((l) => l !== onChange); }, { once: true });
  }

  private notify(name: string): void {
    for (const listener of this.listeners) listener(name);
  }
}
