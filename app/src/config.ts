import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './errors.js';

/**
 * The only reader of process.env. Every setting is read and validated once, at start-up;
 * a bad value fails fast with the variable's name. Kubernetes manifests (k8s/) set these
 * same names: they are a contract.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROOT = path.basename(REPO_ROOT) === 'dist' ? path.dirname(REPO_ROOT) : REPO_ROOT;

/** TF.js backends, by the names TF.js uses: tfjs-node, WebAssembly, pure JavaScript. */
export const TFJS_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type TfjsBackendName = (typeof TFJS_BACKENDS)[number];
/** What can run the trained model, fastest first: onnxruntime-node (model.onnx), then TF.js. */
export const INFERENCE_BACKENDS = ['onnxruntime', ...TFJS_BACKENDS] as const;
export type InferenceBackendName = (typeof INFERENCE_BACKENDS)[number];
/** TF_BACKEND (training): a TF.js backend, or `auto` for the fastest that starts. */
export type BackendChoice = 'auto' | TfjsBackendName;
/** INFERENCE_BACKEND (serve, evaluate): an inference backend, or `auto` for the fastest that starts. */
export type InferenceBackendChoice = 'auto' | InferenceBackendName;
/** Where the model runs: a dedicated worker thread, or the thread that serves HTTP. */
const INFERENCE_THREADS = ['worker', 'main'] as const;
export type InferenceThreadSetting = (typeof INFERENCE_THREADS)[number];
/** pino's levels. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CassandraConfig {
  readonly contactPoints: readonly string[];
  readonly port: number;
  readonly localDataCenter: string;
  readonly keyspace: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Write/read consistency name, e.g. LOCAL_QUORUM. */
  readonly consistency: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /**
   * Bound on one prediction write before it goes to the spool instead (CASSANDRA_WRITE_TIMEOUT_MS):
   * users never wait longer than this on a struggling database.
   */
  readonly writeTimeoutMs: number;
  /**
   * How long start-up keeps trying to reach the cluster before a StartupError
   * (CASSANDRA_STARTUP_TIMEOUT_MS): long enough to ride out a cluster that is still starting.
   */
  readonly startupTimeoutMs: number;
}

export interface SpoolConfig {
  /** Directory of the on-disk outbox for records Cassandra has not taken yet. */
  readonly dir: string;
  /** Backlog above which /readyz turns unready. */
  readonly readyThreshold: number;
  /** Hard bound: past it, the API answers 503 instead of dropping a record. */
  readonly maxRecords: number;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  readonly modelDir: string;
  /** INFERENCE_BACKEND: what runs the model when serving and evaluating. */
  readonly inferenceBackend: InferenceBackendChoice;
  /**
   * INFERENCE_CPU_THREADS: threads onnxruntime may use for one batch; 0 (the default) = one per
   * core. Measured on 2 cores: one thread cost the worker ~13% less CPU per prediction under HTTP
   * load, but classified batches of 8-128 at 0.41-0.59x a bare onnxruntime session's speed,
   * against 0.57-0.82x with two. The TF.js backends ignore it (wasm runs on one thread in Node,
   * tfjs-node sizes its own pool).
   */
  readonly inferenceCpuThreads: number;
  /** TF_BACKEND: the TF.js backend `train` runs on. */
  readonly trainingBackend: BackendChoice;
  /** INFERENCE_THREAD: `worker` (default) keeps preprocessing and the model's CPU off the HTTP thread. */
  readonly inferenceThread: InferenceThreadSetting;
  /**
   * INFERENCE_WORKERS: how many such worker threads (each with its own model) share the uploads.
   * One by default: on 2 cores a second one bought little and cost ~45 MiB.
   */
  readonly inferenceWorkers: number;
  readonly batchMaxSize: number;
  readonly batchMaxWaitMs: number;
  readonly maxBodyBytes: number;
  /** Bound on the bodies of all requests being read at once (MAX_INFLIGHT_BODY_BYTES): past it, 503. */
  readonly maxInflightBodyBytes: number;
  /** Image limits, checked from the header before any pixel is decoded. */
  readonly maxInputPixels: number;
  readonly maxImageSidePx: number;
  readonly maxImageFrames: number;
  /** Budget of one decode (libvips stops the work past it; whole seconds). */
  readonly decodeTimeoutMs: number;
  /** Images decoded at once, and waiting for a decoder before the service answers 503. */
  readonly decodeConcurrency: number;
  readonly decodeQueueMax: number;
  /** Connections open at once; Node closes new ones past it (each costs memory, even idle). */
  readonly maxConnections: number;
  /** Time a client has to send its request line and headers (Node's headersTimeout). */
  readonly headersTimeoutMs: number;
  /** Time from the headers to the answer: the body must arrive (else 408) and the work finish (else 504). */
  readonly requestTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  /** Directory for the embedded store's SQLite file (used when Cassandra is not configured). */
  readonly dataDir: string;
  /** Present when CASSANDRA_CONTACT_POINTS is set: the store is then Cassandra. */
  readonly cassandra: CassandraConfig | undefined;
  readonly spool: SpoolConfig;
  readonly modelServing: ModelServingConfig;
}

/** How each replica follows the registry's serving state (hot switch, canary, live stats). */
export interface ModelServingConfig {
  /** MODEL_POLL_MS: how often the serving state is read; a switch takes effect within this. */
  readonly pollMs: number;
  /** MODEL_CACHE_DIR: versions' files, written here before loading (default `$DATA_DIR/models`). */
  readonly cacheDir: string;
  /** REPLICA_NAME: who reports live stats (default the host name: the pod's in Kubernetes). */
  readonly replicaName: string;
  /** MODEL_LIVE_REPORT_MS: how often this replica reports its live stats per version. */
  readonly liveReportMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function readString(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function readEnum<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = readString(env, name, fallback);
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

const CONSISTENCIES = ['ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE'] as const;

function readCassandra(env: Env): CassandraConfig | undefined {
  const points = readString(env, 'CASSANDRA_CONTACT_POINTS', '');
  if (points === '') return undefined;
  const contactPoints = points.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const username = env.CASSANDRA_USERNAME?.trim() || undefined;
  const password = env.CASSANDRA_PASSWORD || undefined;
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError('CASSANDRA_USERNAME and CASSANDRA_PASSWORD must be set together');
  }
  const keyspace = readString(env, 'CASSANDRA_KEYSPACE', 'mnist');
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) {
    throw new ConfigError(`CASSANDRA_KEYSPACE must be a lower-case CQL identifier, got "${keyspace}"`);
  }
  return {
    contactPoints,
    port: readInt(env, 'CASSANDRA_PORT', 9042, 1, 65535),
    localDataCenter: readString(env, 'CASSANDRA_LOCAL_DC', 'datacenter1'),
    keyspace,
    username,
    password,
    consistency: readEnum(env, 'CASSANDRA_CONSISTENCY', 'LOCAL_QUORUM', CONSISTENCIES),
    connectTimeoutMs: readInt(env, 'CASSANDRA_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: readInt(env, 'CASSANDRA_REQUEST_TIMEOUT_MS', 2_000, 50, 120_000),
    writeTimeoutMs: readInt(env, 'CASSANDRA_WRITE_TIMEOUT_MS', 1_000, 10, 120_000),
    startupTimeoutMs: readInt(env, 'CASSANDRA_STARTUP_TIMEOUT_MS', 60_000, 0, 3_600_000),
  };
}

/** Reads and validates the whole configuration; throws ConfigError naming the variable. */
export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(ROOT, readString(env, 'DATA_DIR', '.data'));
  const maxBodyBytes = readInt(env, 'MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024);
  return {
    host: readString(env, 'HOST', '0.0.0.0'),
    port: readInt(env, 'PORT', 3000, 0, 65535),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    modelDir: path.resolve(ROOT, readString(env, 'MODEL_DIR', 'app/model')),
    inferenceBackend: readEnum<InferenceBackendChoice>(env, 'INFERENCE_BACKEND', 'auto', ['auto', ...INFERENCE_BACKENDS]),
    inferenceCpuThreads: readInt(env, 'INFERENCE_CPU_THREADS', 0, 0, 256),
    trainingBackend: readEnum<BackendChoice>(env, 'TF_BACKEND', 'auto', ['auto', ...TFJS_BACKENDS]),
    inferenceThread: readEnum(env, 'INFERENCE_THREAD', 'worker', INFERENCE_THREADS),
    inferenceWorkers: readInt(env, 'INFERENCE_WORKERS', 1, 1, 64),
    batchMaxSize: readInt(env, 'BATCH_MAX_SIZE', 32, 1, 1024),
    batchMaxWaitMs: readInt(env, 'BATCH_MAX_WAIT_MS', 2, 0, 1000),
    maxBodyBytes,
    maxInflightBodyBytes: readInt(env, 'MAX_INFLIGHT_BODY_BYTES', Math.max(32 * 1024 * 1024, maxBodyBytes), maxBodyBytes, 4 * 1024 * 1024 * 1024),
    maxInputPixels: readInt(env, 'MAX_INPUT_PIXELS', 1024 * 1024, 784, 268_402_689),
    maxImageSidePx: readInt(env, 'MAX_IMAGE_SIDE_PX', 2048, 28, 65_535),
    maxImageFrames: readInt(env, 'MAX_IMAGE_FRAMES', 100, 1, 100_000),
    decodeTimeoutMs: readInt(env, 'DECODE_TIMEOUT_MS', 2_000, 1_000, 60_000),
    decodeConcurrency: readInt(env, 'DECODE_CONCURRENCY', 2, 1, 64),
    decodeQueueMax: readInt(env, 'DECODE_QUEUE_MAX', 128, 0, 100_000),
    maxConnections: readInt(env, 'MAX_CONNECTIONS', 2048, 1, 1_000_000),
    headersTimeoutMs: readInt(env, 'HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: readInt(env, 'REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 0, 600_000),
    dataDir,
    cassandra: readCassandra(env),
    spool: {
      dir: path.resolve(ROOT, readString(env, 'SPOOL_DIR', path.join(dataDir, 'spool'))),
      readyThreshold: readInt(env, 'SPOOL_READY_THRESHOLD', 10_000, 1, 100_000_000),
      maxRecords: readInt(env, 'SPOOL_MAX_RECORDS', 100_000, 1, 100_000_000),
    },
    modelServing: {
      pollMs: readInt(env, 'MODEL_POLL_MS', 2_000, 50, 600_000),
      cacheDir: path.resolve(ROOT, readString(env, 'MODEL_CACHE_DIR', path.join(dataDir, 'models'))),
      replicaName: readString(env, 'REPLICA_NAME', os.hostname()),
      liveReportMs: readInt(env, 'MODEL_LIVE_REPORT_MS', 5_000, 100, 600_000),
    },
  };
}

/** Repository (or image) root: where app/model and node_modules live. */
export const PROJECT_ROOT = ROOT;

/** What the `bootstrap` command (and the Kubernetes keyspace Job) needs. */
export interface BootstrapConfig {
  /** Connection as an account allowed to create keyspaces and roles (the superuser in Kubernetes). */
  readonly cassandra: CassandraConfig;
  /** Nodes that must be up before any DDL runs (CASSANDRA_EXPECTED_NODES). */
  readonly expectedNodes: number;
  /** Replication factor of the keyspace in the local datacenter (CASSANDRA_REPLICATION_FACTOR). */
  readonly replicationFactor: number;
  /** Least-privilege role created for the app when authentication is on (CASSANDRA_APP_*). */
  readonly appUsername: string | undefined;
  readonly appPassword: string | undefined;
  /** Bound on the whole bootstrap: waiting for nodes, the migration lock, schema agreement. */
  readonly timeoutMs: number;
  readonly logLevel: LogLevel;
}

/** Reads the bootstrap settings; CASSANDRA_CONTACT_POINTS is required here. */
export function loadBootstrapConfig(env: Env = process.env): BootstrapConfig {
  const cassandra = readCassandra(env);
  if (cassandra === undefined) {
    throw new ConfigError('CASSANDRA_CONTACT_POINTS must be set for bootstrap (e.g. 127.0.0.1,127.0.0.2,127.0.0.3)');
  }
  const appUsername = env.CASSANDRA_APP_USERNAME?.trim() || undefined;
  const appPassword = env.CASSANDRA_APP_PASSWORD || undefined;
  if ((appUsername === undefined) !== (appPassword === undefined)) {
    throw new ConfigError('CASSANDRA_APP_USERNAME and CASSANDRA_APP_PASSWORD must be set together');
  }
  if (appUsername !== undefined && !/^[a-z][a-z0-9_]{0,47}$/.test(appUsername)) {
    throw new ConfigError(`CASSANDRA_APP_USERNAME must be a lower-case CQL identifier, got "${appUsername}"`);
  }
  return {
    cassandra,
    expectedNodes: readInt(env, 'CASSANDRA_EXPECTED_NODES', 3, 1, 1000),
    replicationFactor: readInt(env, 'CASSANDRA_REPLICATION_FACTOR', 3, 1, 10),
    appUsername,
    appPassword,
    timeoutMs: readInt(env, 'CASSANDRA_BOOTSTRAP_TIMEOUT_MS', 300_000, 1_000, 3_600_000),
    logLevel: readEnum(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
  };
}
