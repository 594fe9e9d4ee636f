import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ReplayJob } from '../lib/replay-job.js';

/**
 * The replay Job of one cluster-scale run, synthesized in-process with cdk8s from the ReplayJob
 * construct (indexed, P pods, restricted pod security, resources). The construct's own args
 * cover closed-loop count runs; this sets the container's args from the whole plan (open loop,
 * duration, recorded source) in the app's `replay` flag syntax, which this module owns.
 */

export interface ClusterReplayPlan {
  /** Job name; unique per run so earlier runs' pods and logs stay readable until their TTL. */
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  /** Service under load, e.g. http://digits.mnist.svc:80. */
  readonly url: string;
  /** Pods = shards. */
  readonly parallelism: number;
  readonly source: 'mnist' | 'recorded';
  /** Requests of the whole run (all pods); undefined with a duration or "every item once". */
  readonly n?: number | undefined;
  /** Clients per pod (closed loop); exclusive with rateRps. */
  readonly concurrency?: number | undefined;
  /** Requests/s of the whole run (open loop), shared by the pods on one global schedule. */
  readonly rateRps?: number | undefined;
  /** e.g. "60s"; passed through to each pod. */
  readonly duration?: string | undefined;
  /** Recorded source: the snapshot every pod reads (pinned so pods agree on the items). */
  readonly recordedBefore?: Date | undefined;
  /** @default IfNotPresent (the construct's default) */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never' | undefined;
}

/** A Kubernetes object as plain JSON. */
export interface JobManifest {
  readonly apiVersion: 'batch/v1';
  readonly kind: 'Job';
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

/** The args of each replay pod; `$(JOB_COMPLETION_INDEX)` is expanded by the kubelet. */
export function replayArgs(plan: ClusterReplayPlan): string[] {
  const args = ['replay', '--url', plan.url, '--source', plan.source, '--shard', `$(JOB_COMPLETION_INDEX)/${plan.parallelism}`];
  if (plan.n !== undefined) args.push('--n', String(plan.n));
  if (plan.duration !== undefined) args.push('--duration', plan.duration);
  if (plan.rateRps !== undefined) args.push('--rate', String(plan.rateRps));
  else args.push('--concurrency', String(plan.concurrency ?? 32));
  if (plan.source === 'recorded') args.push('--recorded-before', (plan.recordedBefore ?? new Date()).toISOString());
  return args;
}

const PULL_POLICIES = {
  Always: kplus.ImagePullPolicy.ALWAYS,
  IfNotPresent: kplus.ImagePullPolicy.IF_NOT_PRESENT,
  Never: kplus.ImagePullPolicy.NEVER,
} as const;

/** Synthesizes the Job (and only the Job: the app and its Service must already run). */
export function synthesizeReplayJob(plan: ClusterReplayPlan): JobManifest {
  const app = new App();
  const chart = new Chart(app, 'replay', { namespace: plan.namespace });
  const replay = new ReplayJob(chart, 'replay', {
    name: plan.name,
    image: plan.image,
    imagePullPolicy: plan.imagePullPolicy === undefined ? undefined : PULL_POLICIES[plan.imagePullPolicy],
    url: plan.url,
    shards: plan.parallelism,
  });
  ApiObject.of(replay.job).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/args', replayArgs(plan)));
  const jobs = chart.toJson().filter((o: { kind?: string }) => o.kind === 'Job') as JobManifest[];
  if (jobs.length !== 1) throw new Error(`the ReplayJob construct synthesized ${jobs.length} Jobs, expected 1`);
  return jobs[0]!;
}

/** A DNS-1123 name unique to this run: replay-20260105-120000. */
export function runName(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `replay-${stamp.toLowerCase()}`;
}
