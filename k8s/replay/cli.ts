#!/usr/bin/env node
/**
 * Cluster-scale replay: `node dist/k8s/replay/cli.js --image IMG --parallelism P --n N
 * --concurrency C`. `kubectl port-forward` funnels everything into one pod, so the load runs
 * inside the cluster as an indexed Job aimed at the app Service; this CLI creates it, follows
 * it, collects each pod's report and merges them into one. Parses flags, calls one function,
 * and owns the one top-level catch.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_APP_IMAGE } from '../lib/app-image.js';
import { DEFAULT_NAMESPACE, NAMES } from '../lib/names.js';
import { runClusterReplay } from './cluster-replay.js';
import { defaultMergeCommand } from './merge-runner.js';
import { createKubeReplayCluster, loadKubeConfig } from './replay-cluster.js';
import { runName, type ClusterReplayPlan } from './replay-manifest.js';
import { errorMessage, UsageError } from '../lib/errors.js';

const USAGE = `Usage: node dist/k8s/replay/cli.js [flags]

Runs the app image's "replay" command as an indexed Job of P pods against the app Service,
follows it, collects each pod's JSON report from its log and merges them into one report.

  --image IMG            app image (default ${DEFAULT_APP_IMAGE})
  --parallelism P        pods, one shard each (default 4)
  --n N                  requests of the whole run, shared by the pods (default: every item once)
  --duration 60s         or run each pod for this long
  --concurrency C        closed loop: clients per pod (default 32)
  --rate R               open loop: requests/s of the whole run, on one schedule shared by the pods
  --source mnist|recorded  (default mnist)
  --namespace NS         (default ${DEFAULT_NAMESPACE})
  --url URL              service under load (default http://${NAMES.digits}.<namespace>.svc:80)
  --name NAME            Job name (default replay-<UTC time>)
  --out FILE             merged report (default <work-dir>/merged.json); chart beside it
  --chart FILE           merged latency chart (default beside --out)
  --work-dir DIR         shard logs and reports (default <tmp>/mnist-<name>)
  --timeout 30m          give up following after this long (s, m, h)
  --delete               delete the Job after collecting (default: kept until its TTL)
  --image-pull-policy P  Always|IfNotPresent|Never (default IfNotPresent)
  --merge-command CMD    how to run the app CLI (default: node <dist>/app/src/cli/index.js)
  --max-p99-ms X, --max-error-rate F, --max-lost N   thresholds on the merged report (exit 1)

The cluster is the one of KUBECONFIG (or ~/.kube/config). Exit 0 only when every pod
succeeded, every shard reported, and the thresholds held.`;

const FLAGS = {
  image: { type: 'string', default: DEFAULT_APP_IMAGE },
  parallelism: { type: 'string', default: '4' },
  n: { type: 'string' },
  duration: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  source: { type: 'string', default: 'mnist' },
  namespace: { type: 'string', default: DEFAULT_NAMESPACE },
  url: { type: 'string' },
  name: { type: 'string' },
  out: { type: 'string' },
  chart: { type: 'string' },
  'work-dir': { type: 'string' },
  timeout: { type: 'string', default: '30m' },
  delete: { type: 'boolean', default: false },
  'image-pull-policy': { type: 'string' },
  'merge-command': { type: 'string' },
  'max-p99-ms': { type: 'string' },
  'max-error-rate': { type: 'string' },
  'max-lost': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

function parseTimeoutMs(text: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(text);
  if (match === null) throw new UsageError(`--timeout must look like 90s, 30m or 2h, got "${text}"`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.concurrency !== undefined && values.rate !== undefined) throw new UsageError('give --concurrency or --rate, not both');
  if (values.source !== 'mnist' && values.source !== 'recorded') throw new UsageError(`--source must be mnist or recorded, got "${values.source}"`);
  const pullPolicy = values['image-pull-policy'];
  if (pullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(pullPolicy)) {
    throw new UsageError(`--image-pull-policy must be Always, IfNotPresent or Never, got "${pullPolicy}"`);
  }
  const parallelism = positive('parallelism', values.parallelism)!;
  if (!Number.isInteger(parallelism)) throw new UsageError(`--parallelism must be a whole number, got "${values.parallelism}"`);
  const name = values.name ?? runName();
  const plan: ClusterReplayPlan = {
    name,
    namespace: values.namespace,
    image: values.image,
    imagePullPolicy: pullPolicy as ClusterReplayPlan['imagePullPolicy'],
    url: values.url ?? `http://${NAMES.digits}.${values.namespace}.svc:80`,
    parallelism,
    source: values.source,
    n: positive('n', values.n),
    concurrency: positive('concurrency', values.concurrency),
    rateRps: positive('rate', values.rate),
    duration: values.duration,
    recordedBefore: new Date(),
  };
  const thresholdArgs = (['max-p99-ms', 'max-error-rate', 'max-lost'] as const).flatMap((flag) =>
    values[flag] === undefined ? [] : [`--${flag}`, values[flag]!],
  );
  const abort = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nreplay-cluster: interrupted: deleting the Job so its pods stop sending load\n');
    abort.abort();
  });
  const result = await runClusterReplay(createKubeReplayCluster(loadKubeConfig(), values.namespace), plan, {
    timeoutMs: parseTimeoutMs(values.timeout),
    workDir: values['work-dir'] ?? path.join(os.tmpdir(), `mnist-${name}`),
    out: values.out,
    chart: values.chart,
    thresholdArgs,
    mergeCommand: values['merge-command']?.split(' ').filter((part) => part !== '') ?? defaultMergeCommand(),
    deleteAfter: values.delete,
    report: (line) => process.stdout.write(`${line}\n`),
    signal: abort.signal,
  });
  if (result.mergedFile !== null) process.stdout.write(`merged report: ${result.mergedFile}\n`);
  process.exitCode = result.exitCode;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`replay-cluster: ${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`replay-cluster: ${errorMessage(error)}\n`);
  if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
