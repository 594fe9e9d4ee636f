import { stringifyCanonical } from '../deploy/jobs.js';
import { sleep } from '../deploy/time.js';
import { errorMessage } from '../lib/errors.js';
import { StatusConflictError, type ControllerCluster } from './cluster.js';
import type { DigitModelStatus } from './digit-model.js';
import { synthesizeLifecycleJob, type JobSettings } from './job-manifest.js';
import type { LeaderElector } from './leader-election.js';
import { awaitedJob, decide } from './reconcile.js';

/** One structured log event (the entry point writes it as a JSON line). */
export type LogEvent = { readonly event: string } & Readonly<Record<string, unknown>>;

export interface ControllerOptions {
  readonly cluster: ControllerCluster;
  readonly elector: LeaderElector;
  readonly jobs: JobSettings;
  /** Every DigitModel is reconciled this often even without a watch event. @default 15000 */
  readonly resyncMs?: number;
  readonly log: (event: LogEvent) => void;
  readonly now?: () => Date;
}

/**
 * The reconcile loop. Three things run side by side until the signal aborts: the election (one
 * try per retry period), the watches (a DigitModel or one of its Jobs changed: queue the model),
 * and a periodic resync (queue every model: covers anything a watch missed). One worker takes
 * models off the queue and reconciles them one at a time, and only while this replica leads;
 * becoming leader queues everything. On abort the Lease is released so a standby takes over.
 */
export class DigitModelController {
  private readonly queue = new Set<string>();
  private wakeWorker: () => void = () => undefined;
  /** When the election loop last completed a try: /healthz fails when it stalls. */
  lastElectionTryMs = 0;

  constructor(private readonly options: ControllerOptions) {}

  get isLeader(): boolean {
    return this.options.elector.isLeader();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { cluster, log } = this.options;
    cluster.watch((name) => this.enqueue(name), (error) => log({ event: 'watch-error', error: errorMessage(error) }), signal);
    await Promise.all([this.elect(signal), this.resync(signal), this.work(signal)]);
    await this.options.elector.release().catch((error: unknown) => log({ event: 'release-failed', error: errorMessage(error) }));
    log({ event: 'stopped' });
  }

  enqueue(name: string): void {
    this.queue.add(name);
    this.wakeWorker();
  }

  /**
   * One reconcile of one DigitModel: read it, observe the Job its phase waits on, decide, then
   * create the Job and write the status the decision asks for. Returns what it did, for tests.
   */
  async reconcile(name: string): Promise<{ created?: string; phase?: string } | null> {
    const { cluster, log } = this.options;
    const model = await cluster.readModel(name);
    if (model === null) return null;
    const awaited = awaitedJob(model);
    const observation = awaited === null ? null : await cluster.observeJob(awaited);
    const plan = decide(model, observation, (this.options.now ?? (() => new Date()))());
    // Leadership can end during the reads: check again right before each write.
    if (model.status?.observedGeneration !== model.metadata.generation && this.isLeader) {
      // A new spec: a canary still running for the old one must not go on to promote it.
      const stopped = await cluster.stopSupersededJobs(name, model.metadata.generation);
      if (stopped.length > 0) log({ event: 'superseded', model: name, deleted: stopped });
    }
    let created: string | undefined;
    if (plan.job !== undefined && this.isLeader) {
      const outcome = await cluster.createJob(synthesizeLifecycleJob(plan.job, model, this.options.jobs));
      log({ event: 'job', model: name, job: plan.job.name, step: plan.job.step, outcome });
      created = plan.job.name;
    }
    if (!sameStatus(plan.status, model.status) && this.isLeader) {
      await cluster.writeStatus(model, plan.status);
      if (plan.status.phase !== model.status?.phase) log({ event: 'phase', model: name, from: model.status?.phase ?? null, to: plan.status.phase });
    }
    return { created, phase: plan.status.phase };
  }

  private async elect(signal: AbortSignal): Promise<void> {
    const { elector, log } = this.options;
    let leading = false;
    while (!signal.aborted) {
      try {
        await elector.tick();
      } catch (error) {
        log({ event: 'lease-error', error: errorMessage(error) });
      }
      this.lastElectionTryMs = Date.now();
      const now = elector.isLeader();
      if (now !== leading) {
        log({ event: now ? 'leading' : 'following', identity: elector.identity });
        if (now) await this.enqueueAll();
      }
      leading = now;
      await sleep(elector.timings.retryPeriodMs, signal);
    }
  }

  private async resync(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.options.resyncMs ?? 15_000, signal);
      if (this.isLeader && !signal.aborted) await this.enqueueAll();
    }
  }

  private async enqueueAll(): Promise<void> {
    try {
      for (const model of await this.options.cluster.listModels()) this.enqueue(model.metadata.name);
    } catch (error) {
      this.options.log({ event: 'list-error', error: errorMessage(error) });
    }
  }

  private async work(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.wakeWorker(), { once: true });
    while (!signal.aborted) {
      const name = this.queue.values().next().value;
      if (name === undefined) {
        await new Promise<void>((resolve) => { this.wakeWorker = resolve; });
        continue;
      }
      this.queue.delete(name);
      // A follower drops what it is told: becoming leader queues every model anyway.
      if (!this.isLeader) continue;
      try {
        await this.reconcile(name);
      } catch (error) {
        // A conflict means the model changed: its watch event queues it again. Anything else
        // is retried by the next resync.
        if (!(error instanceof StatusConflictError)) this.options.log({ event: 'reconcile-error', model: name, error: errorMessage(error) });
      }
    }
  }
}

function sameStatus(a: DigitModelStatus, b: DigitModelStatus | undefined): boolean {
  return stringifyCanonical(a) === stringifyCanonical(b ?? {});
}
