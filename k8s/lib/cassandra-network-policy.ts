import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CASSANDRA_PORTS, type Cassandra } from './cassandra.js';
import { NAMES, componentLabels } from './names.js';

/** Anything that talks CQL to the ring: identified by the labels of its pods. */
export interface CqlClient {
  readonly podLabels: Readonly<Record<string, string>>;
}

/** Props of the Cassandra NetworkPolicy. */
export interface CassandraNetworkPolicyProps {
  readonly cassandra: Cassandra;
  /** Pods allowed to reach port 9042 (the app, the keyspace bootstrap, replay runs). */
  readonly clients: readonly CqlClient[];
}

/**
 * Isolates the Cassandra pods: ingress only from the listed clients on CQL and from each other on
 * the intra-node ports (and CQL: nodes forward requests); egress only to each other and to DNS
 * (the seed and peers are found by name). `nodetool` talks JMX on localhost, which no policy
 * filters. DNS egress has no destination selector because cluster DNS may be pods in kube-system,
 * a node-local cache or a host resolver, depending on the cluster.
 *
 * An L1 object: cdk8s-plus-27 needs a peer for every rule and so cannot say "port 53 anywhere".
 */
export class CassandraNetworkPolicy extends Construct {
  public readonly policy: kplus.k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: CassandraNetworkPolicyProps) {
    super(scope, id);
    const ringPods = { podSelector: { matchLabels: props.cassandra.podLabels } };
    const tcp = (port: number) => ({ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) });
    const ringPorts = [tcp(CASSANDRA_PORTS.intraNode), tcp(CASSANDRA_PORTS.intraNodeTls), tcp(CASSANDRA_PORTS.cql)];

    this.policy = new kplus.k8s.KubeNetworkPolicy(this, 'policy', {
      metadata: { name: NAMES.cassandraNetworkPolicy, labels: componentLabels('cassandra', NAMES.cassandraNetworkPolicy) },
      spec: {
        podSelector: { matchLabels: props.cassandra.podLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          { from: [ringPods], ports: ringPorts },
          {
            from: props.clients.map((client) => ({ podSelector: { matchLabels: { ...client.podLabels } } })),
            ports: [tcp(CASSANDRA_PORTS.cql)],
          },
        ],
        egress: [
          { to: [ringPods], ports: ringPorts },
          {
            ports: [
              { protocol: 'UDP', port: kplus.k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });
  }
}
