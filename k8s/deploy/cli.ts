#!/usr/bin/env node
/**
 * The deployer's command line (`make deploy`, `make status`): parses flags, calls one function,
 * and owns the one top-level catch that prints a person's message and exits 1 (2 for usage).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_NAMESPACE } from '../lib/names.js';
import { createClients } from './clients.js';
import { deploy, formatSummary } from './deploy.js';
import { DeployError } from './errors.js';
import { parseDurationMs } from './time.js';
import { DEFAULT_MANIFESTS_FILE, readManifests } from './manifests.js';
import { createStreamReporter } from './progress.js';
import { formatStatus, readStatus } from './status.js';
import { watchRelease } from './watch.js';
import { errorMessage, UsageError } from '../lib/errors.js';

const USAGE = `Usage: node dist/k8s/deploy/cli.js <command> [flags]

Commands:
  deploy    apply the manifests in dependency order (namespace, config and secrets, Cassandra,
            keyspace Job, app), wait for each step, then prune objects of earlier releases
  status    Cassandra nodes ready, keyspace bootstrap done, app replicas and image, endpoints

deploy flags:
  --manifests <file>    multi-document YAML (default ${DEFAULT_MANIFESTS_FILE}, from "make synth")
  --image <ref>         run this image for the app instead of the manifests' one
  --dry-run             server-side dry run: the API server validates every object, nothing changes
  --timeout <duration>  give up waiting after this long, e.g. 90s, 10m (default 15m)
  --watch               after deploying, keep re-applying objects that drift (until Ctrl-C)
  --interval <duration> time between two drift checks in --watch mode (default 5s)

status flags:
  --namespace <name>    (default ${DEFAULT_NAMESPACE})

The cluster is the one of KUBECONFIG (or ~/.kube/config); for the local control plane of
"make kube-up": export KUBECONFIG=.kube/local.kubeconfig`;

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        manifests: { type: 'string', default: DEFAULT_MANIFESTS_FILE },
        image: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '15m' },
        watch: { type: 'boolean', default: false },
        interval: { type: 'string', default: '5s' },
        namespace: { type: 'string', default: DEFAULT_NAMESPACE },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

function durationFlag(name: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === null) throw new UsageError(`--${name} must be a duration like 90s or 10m, got "${text}"`);
  return ms;
}

async function runDeploy(values: ReturnType<typeof parseFlags>['values']): Promise<void> {
  const timeoutMs = durationFlag('timeout', values.timeout);
  const intervalMs = durationFlag('interval', values.interval);
  const dryRun = values['dry-run'];
  if (dryRun && values.watch) throw new UsageError('--watch cannot be combined with --dry-run');
  const manifests = await readManifests(values.manifests);
  const clients = createClients();
  const report = createStreamReporter(process.stdout);
  process.stdout.write(`${dryRun ? 'dry run of' : 'deploying'} ${manifests.length} objects from ${values.manifests} to ${clients.server}\n`);
  const summary = await deploy(clients, { manifests, dryRun, image: values.image, timeoutMs, timeoutLabel: values.timeout, report });
  process.stdout.write(`${formatSummary(summary, dryRun)}\n`);
  if (!values.watch) return;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await watchRelease(clients, summary.release, { intervalMs, report, signal: controller.signal });
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseFlags(argv);
  const [command, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (command === 'deploy') return runDeploy(values);
  if (command === 'status') {
    const lines = await readStatus(createClients(), values.namespace);
    process.stdout.write(`${formatStatus(values.namespace, lines)}\n`);
    if (!lines.every((l) => l.ok)) process.exitCode = 1;
    return;
  }
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`deploy: ${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const message = errorMessage(error);
  process.stderr.write(`deploy: ${error instanceof DeployError ? message : `unexpected error: ${message}`}\n`);
  if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
