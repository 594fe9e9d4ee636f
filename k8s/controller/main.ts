/**
 * The DigitModel controller's entry point (`node dist/k8s/controller/main.js`, or
 * `make controller` against KUBECONFIG): the composition root. Config first (fails fast naming
 * the variable), then the cluster client, the elector, the controller and the probes; SIGTERM
 * or SIGINT stops the loop, which releases the Lease, then closes the probe server.
 */
import { loadDefaultKubeConfig } from '../deploy/clients.js';
import { errorMessage } from '../lib/errors.js';
import { loadControllerConfig } from './config.js';
import { DigitModelController, type LogEvent } from './controller.js';
import { portOf, startHealthServer } from './health-server.js';
import { createKubeControllerCluster } from './kube-cluster.js';
import { LeaderElector } from './leader-election.js';

function log(event: LogEvent): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
}

async function main(): Promise<void> {
  const config = loadControllerConfig();
  const cluster = createKubeControllerCluster(loadDefaultKubeConfig(), config.namespace, config.leaseName);
  const elector = new LeaderElector(cluster.leases, config.identity, config.timings);
  const controller = new DigitModelController({ cluster, elector, jobs: config.jobs, resyncMs: config.resyncMs, log });
  // Alive while the election loop turns: a few missed tries are fine, a lease duration is not.
  const health = await startHealthServer(controller, config.healthPort, config.timings.leaseDurationMs * 2);

  const stop = new AbortController();
  const shutdown = (signal: string) => {
    if (stop.signal.aborted) return;
    log({ event: 'shutdown', signal });
    stop.abort();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  log({ event: 'started', namespace: config.namespace, identity: config.identity, lease: config.leaseName, image: config.jobs.image, healthPort: portOf(health) });
  await controller.run(stop.signal);
  await new Promise<void>((resolve) => health.close(() => resolve()));
}

main().catch((error: unknown) => {
  log({ event: 'fatal', error: errorMessage(error) });
  process.exit(1);
});
