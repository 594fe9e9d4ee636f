import { AppsV1Api, BatchV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from './kube-rest.js';
import { ObjectClient } from './object-client.js';

/** Everything the deployer talks to, made once from one kubeconfig. */
export interface Clients {
  /** Generic apply/get/delete/list of raw objects (see kube-rest.ts for why not client-node's). */
  readonly objects: ObjectClient;
  /** client-node's typed APIs, for reading status: pods, events, logs, workloads, endpoints. */
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly discovery: DiscoveryV1Api;
  /** The API server's URL, for messages. */
  readonly server: string;
}

/** Clients for a kubeconfig; by default the usual one (KUBECONFIG, then ~/.kube/config, then in-cluster). */
export function createClients(kubeConfig: KubeConfig = loadDefaultKubeConfig()): Clients {
  return {
    objects: new ObjectClient(new KubeRest(kubeConfig)),
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    discovery: kubeConfig.makeApiClient(DiscoveryV1Api),
    server: kubeConfig.getCurrentCluster()?.server ?? '(no server)',
  };
}

export function loadDefaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
