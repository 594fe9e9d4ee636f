import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-27';
import { renderCassandraConfigScript, CONFIG_STAGING_DIR } from './cassandra-config-script.js';
import { NAMES, componentLabels, selectorLabels } from './names.js';
import { restrictedL1ContainerContext, restrictedL1PodContext, type RunAs } from './pod-security.js';
import { toL1Resources, type ResourceBudget } from './resources.js';

const k8s = kplus.k8s;

/** Props of the Cassandra ring. */
export interface CassandraProps {
  /** Nodes in the ring; also the keyspace replication factor (see KeyspaceBootstrap). @default 3 */
  readonly replicas?: number;
  /** @default 'cassandra:5.0' (the official image) */
  readonly image?: string;
  /** @default 'mnist' */
  readonly clusterName?: string;
  /** Data centre name; the app's CASSANDRA_LOCAL_DC is wired to it. @default 'datacenter1' */
  readonly dataCenter?: string;
  /** @default 'rack1' */
  readonly rack?: string;
  /** DNS suffix of the cluster, for the seed's fully qualified name. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** Size of each node's PersistentVolumeClaim. @default '10Gi' */
  readonly storageSize?: string;
  /** StorageClass of the claims. @default - the cluster's default class */
  readonly storageClassName?: string;
  /** JVM heap (MAX_HEAP_SIZE), in MiB. @default 512 */
  readonly maxHeapMi?: number;
  /** Young generation (HEAP_NEWSIZE), in MiB. @default 128 */
  readonly heapNewMi?: number;
  /** @default 500m/2000m CPU, 1536Mi/1536Mi memory: heap + off-heap + page cache headroom */
  readonly resources?: ResourceBudget;
  /** Time `nodetool drain` gets on shutdown before the kubelet kills the JVM. @default 180 */
  readonly terminationGracePeriodSeconds?: number;
  /** How long a node may take to start (e.g. bootstrap streaming) before it is restarted. @default 1800 */
  readonly startupWindowSeconds?: number;
}

/** Ports of a Cassandra node. */
export const CASSANDRA_PORTS = { intraNode: 7000, intraNodeTls: 7001, jmx: 7199, cql: 9042 } as const;

/**
 * nodetool as the probes run it: bin/nodetool starts a JVM with -Xmx$MAX_HEAP_SIZE, which in this
 * container is the server's heap, so it is reset to nodetool's own default; HOME points at a
 * writable place for its history file (the root filesystem is read-only).
 */
const NODETOOL = 'HOME=/tmp MAX_HEAP_SIZE=128m nodetool';
/** Exit 0 when `nodetool status` lists this pod's IP as UN (Up/Normal). */
const READY_IF_UP_NORMAL = `${NODETOOL} status | awk -v ip="$POD_IP" '$1 == "UN" && $2 == ip { up = 1 } END { exit !up }'`;

/** The official image runs as user/group `cassandra` = 999. */
const CASSANDRA_USER: RunAs = { userId: 999, groupId: 999 };

/**
 * A Cassandra ring: headless Service (publishing not-ready addresses so the seed resolves while
 * pods start), StatefulSet with one PersistentVolumeClaim per node, PodDisruptionBudget allowing
 * one node down. Authentication and authorization are on; the superuser's password is set by the
 * keyspace bootstrap from a generated Secret.
 */
export class Cassandra extends Construct {
  /** Headless Service name: also the DNS name clients use as contact point. */
  public readonly serviceName: string;
  /** Contact points for drivers in the same namespace (the headless Service resolves to every node). */
  public readonly contactPoints: string;
  public readonly cqlPort: number = CASSANDRA_PORTS.cql;
  public readonly replicas: number;
  public readonly dataCenter: string;
  /** Labels that select exactly the Cassandra pods. */
  public readonly podLabels: Record<string, string> = selectorLabels('cassandra');
  public readonly statefulSet: kplus.k8s.KubeStatefulSet;
  /** The Cassandra image (its cqlsh also serves the bootstrap's superuser step). */
  public readonly image: string;
  /** User the image runs as. */
  public readonly runAs: RunAs = CASSANDRA_USER;

  constructor(scope: Construct, id: string, props: CassandraProps = {}) {
    super(scope, id);
    this.replicas = props.replicas ?? 3;
    this.dataCenter = props.dataCenter ?? 'datacenter1';
    this.serviceName = NAMES.cassandra;
    this.contactPoints = this.serviceName;
    const image = props.image ?? 'cassandra:5.0';
    this.image = image;
    const labels = componentLabels('cassandra', NAMES.cassandra);
    const maxHeapMi = props.maxHeapMi ?? 512;
    const heapNewMi = props.heapNewMi ?? 128;
    const resources = props.resources ?? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMi: 1536, memoryLimitMi: 1536 };

    new k8s.KubeService(this, 'service', {
      metadata: { name: this.serviceName, labels },
      spec: {
        clusterIp: 'None',
        // Seeds and peers must resolve before they are Ready, or the first node never forms a ring.
        publishNotReadyAddresses: true,
        selector: this.podLabels,
        ports: [
          { name: 'cql', port: CASSANDRA_PORTS.cql, targetPort: k8s.IntOrString.fromNumber(CASSANDRA_PORTS.cql) },
          { name: 'intra-node', port: CASSANDRA_PORTS.intraNode, targetPort: k8s.IntOrString.fromNumber(CASSANDRA_PORTS.intraNode) },
        ],
      },
    });

    const volumes = { data: 'data', config: 'config', logs: 'logs', tmp: 'tmp' } as const;
    this.statefulSet = new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: { name: NAMES.cassandra, labels },
      spec: {
        serviceName: this.serviceName,
        replicas: this.replicas,
        // One node at a time: Cassandra must not bootstrap two nodes concurrently.
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: this.podLabels },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedL1PodContext(CASSANDRA_USER),
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 180,
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{
              // Preferred, not required: a one-node kind cluster must still schedule all three.
              weight: 100,
              podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: this.podLabels } },
            }] } },
            initContainers: [{
              name: 'config',
              image,
              command: ['sh', '-c', renderCassandraConfigScript()],
              securityContext: restrictedL1ContainerContext(CASSANDRA_USER),
              resources: toL1Resources({ cpuRequestMillis: 50, cpuLimitMillis: 200, memoryRequestMi: 32, memoryLimitMi: 64 }),
              volumeMounts: [{ name: volumes.config, mountPath: CONFIG_STAGING_DIR }],
            }],
            containers: [{
              name: 'cassandra',
              image,
              ports: [
                { name: 'intra-node', containerPort: CASSANDRA_PORTS.intraNode },
                { name: 'tls-intra-node', containerPort: CASSANDRA_PORTS.intraNodeTls },
                { name: 'jmx', containerPort: CASSANDRA_PORTS.jmx },
                { name: 'cql', containerPort: CASSANDRA_PORTS.cql },
              ],
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                // The first pod's stable DNS name, built from the namespace at run time.
                { name: 'CASSANDRA_SEEDS', value: `${NAMES.cassandra}-0.${this.serviceName}.$(POD_NAMESPACE).svc.${props.clusterDomain ?? 'cluster.local'}` },
                { name: 'CASSANDRA_CLUSTER_NAME', value: props.clusterName ?? 'mnist' },
                { name: 'CASSANDRA_DC', value: this.dataCenter },
                { name: 'CASSANDRA_RACK', value: props.rack ?? 'rack1' },
                // Reads dc/rack from cassandra-rackdc.properties (SimpleSnitch would ignore CASSANDRA_DC).
                { name: 'CASSANDRA_ENDPOINT_SNITCH', value: 'GossipingPropertyFileSnitch' },
                { name: 'MAX_HEAP_SIZE', value: `${maxHeapMi}M` },
                { name: 'HEAP_NEWSIZE', value: `${heapNewMi}M` },
              ],
              resources: toL1Resources(resources),
              securityContext: restrictedL1ContainerContext(CASSANDRA_USER),
              // Until the node serves CQL (bootstrap streaming may take long) nothing else is probed.
              startupProbe: {
                tcpSocket: { port: k8s.IntOrString.fromNumber(CASSANDRA_PORTS.cql) },
                periodSeconds: 10,
                failureThreshold: Math.ceil((props.startupWindowSeconds ?? 1800) / 10),
              },
              // Ready = this node sees itself Up/Normal in the ring.
              readinessProbe: {
                exec: { command: ['bash', '-c', READY_IF_UP_NORMAL] },
                // A nodetool JVM takes seconds to start on a busy node: generous timeout.
                periodSeconds: 20,
                timeoutSeconds: 30,
                failureThreshold: 3,
              },
              // Alive = the native transport accepts connections; tolerant of GC pauses.
              livenessProbe: {
                tcpSocket: { port: k8s.IntOrString.fromNumber(CASSANDRA_PORTS.cql) },
                periodSeconds: 20,
                timeoutSeconds: 5,
                failureThreshold: 6,
              },
              lifecycle: { preStop: { exec: { command: ['bash', '-c', `${NODETOOL} drain`] } } },
              volumeMounts: [
                { name: volumes.data, mountPath: '/var/lib/cassandra' },
                { name: volumes.config, mountPath: '/etc/cassandra' },
                { name: volumes.logs, mountPath: '/var/log/cassandra' },
                { name: volumes.tmp, mountPath: '/tmp' },
              ],
            }],
            volumes: [
              { name: volumes.config, emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: volumes.logs, emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: volumes.tmp, emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            ],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: volumes.data, labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: props.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize ?? '10Gi') } },
          },
        }],
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: NAMES.cassandraPdb, labels },
      // One node down keeps QUORUM (2 of 3) for every token range.
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.podLabels } },
    });
  }
}
