import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { MANIFEST_FILE, REPO_ROOT } from '../../generated-files.js';
import { loadObjects } from '../manifests/tools.js';
import type { KubeObject } from '../../lib/manifest-walk.js';

/**
 * What the image tests share: the images themselves (built by scripts/images/build-all.sh,
 * which returns at once when they exist), podman with the project's configuration, and the
 * committed manifests, so a container here runs with the command, env and probes its pod has.
 */

const execFileAsync = promisify(execFile);
const SCRIPTS = path.join(REPO_ROOT, 'scripts/images');

/** Names of the built images, as stored and as kubelet resolves them. */
export interface BuiltImages {
  readonly app: string;
  readonly cassandra: string;
  readonly pause: string;
}

/** Tools the builds need, with how to get each (a missing one fails, never skips). */
const PREREQUISITES: readonly [tool: string, hint: string][] = [
  ['podman', 'apt-get install podman buildah (Debian 12)'],
  ['debootstrap', 'apt-get install debootstrap'],
  ['gcc', 'apt-get install gcc libc6-dev (the pause binary is compiled statically)'],
  ['go', 'install Go >= 1.26 (the pause source comes from the k8s.io/kubernetes module)'],
  ['mvn', 'apt-get install maven (Cassandra jars from Maven Central)'],
  ['java', 'apt-get install openjdk-17-jdk-headless'],
];

function missingTools(tools: readonly (readonly [string, string])[]): string[] {
  return tools.filter(([tool]) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  }).map(([tool, hint]) => `${tool}: ${hint}`);
}

/** Fails with how to install what is missing. */
export function requireTools(tools: readonly (readonly [string, string])[]): void {
  const missing = missingTools(tools);
  if (missing.length > 0) throw new Error(`missing prerequisites:\n  ${missing.join('\n  ')}`);
}

/**
 * The three images, built when missing or stale (seconds when current; a cold build takes
 * ~6 min, which make test starts in the background before the integration tests).
 */
export async function ensureImages(): Promise<BuiltImages> {
  requireTools(PREREQUISITES);
  try {
    const { stdout } = await execFileAsync(path.join(SCRIPTS, 'build-all.sh'), { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
    const [app, cassandra, pause] = stdout.trim().split('\n');
    if (app === undefined || cassandra === undefined || pause === undefined) throw new Error(`unexpected output: ${stdout}`);
    return { app, cassandra, pause };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`scripts/images/build-all.sh failed: ${errorMessage(error)}\n${stderr.slice(-3000)}`);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** podman with the project's configuration and storage (scripts/images/podman.sh). */
export async function podman(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(path.join(SCRIPTS, 'podman.sh'), args, { timeout: timeoutMs, maxBuffer: 64 << 20 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`podman ${args.slice(0, 3).join(' ')} ... failed: ${errorMessage(error)}\n${stderr.slice(-2000)}`);
  }
}

/** podman's exit code and output, whatever the code. */
export async function podmanResult(args: readonly string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(path.join(SCRIPTS, 'podman.sh'), args, { timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The parts of a container spec the image tests run as the pod would. */
export interface PodContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  readinessProbe?: { exec?: { command: string[] } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  containers: PodContainer[];
  initContainers?: PodContainer[];
}

/** The committed manifests (k8s/dist, kept current by generated-current.test.ts). */
export function manifestObjects(): KubeObject[] {
  return loadObjects({ file: path.join(REPO_ROOT, MANIFEST_FILE) });
}

/** The pod spec of the workload `kind/name` in the committed manifests. */
export function podSpecOf(objects: readonly KubeObject[], kind: string, name: string): PodSpec {
  const owner = objects.find((o) => o.kind === kind && o.metadata.name === name);
  const spec = (owner?.spec?.template as { spec?: PodSpec } | undefined)?.spec;
  if (spec === undefined) throw new Error(`no ${kind}/${name} with a pod template in ${MANIFEST_FILE}`);
  return spec;
}

/**
 * The environment the kubelet would give `container`: ConfigMaps, literal values, the downward
 * API fields the project uses, and `$(VAR)` references to earlier variables expanded.
 */
export function podEnv(container: PodContainer, objects: readonly KubeObject[], pod: { namespace: string; podIP: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef?.name) as { data?: Record<string, string> } | undefined;
    Object.assign(env, map?.data ?? {});
  }
  const fields: Record<string, string> = { 'metadata.namespace': pod.namespace, 'status.podIP': pod.podIP };
  for (const variable of container.env ?? []) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    const value = fieldPath !== undefined ? fields[fieldPath] : variable.value?.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (ref, name: string) => env[name] ?? ref);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

/** `--env NAME=value` arguments for podman. */
export function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value, failing after timeoutMs with the last error. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not yet';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = errorMessage(error);
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s (last: ${last.slice(-1500)})`);
    await sleep(1000);
  }
}

/**
 * Files of `image` that hold one of the host's own CA certificates (the proxy's, installed under
 * /usr/local/share/ca-certificates), found by a line of each certificate's base64 body. A build
 * mounts the host's bundle for npm; none of it may stay in a layer.
 */
export async function filesWithHostCertificates(image: string): Promise<string[]> {
  const dir = '/usr/local/share/ca-certificates';
  const lines = (existsSync(dir) ? readdirSync(dir) : []).flatMap((file) => {
    const body = readFileSync(path.join(dir, file), 'utf8').split('\n').filter((line) => /^[A-Za-z0-9+/]{64}$/.test(line));
    return body.length > 2 ? [body[Math.floor(body.length / 2)]!] : [];
  });
  if (lines.length === 0) return [];
  const patterns = lines.flatMap((line) => ['-e', line]);
  const grep = await podmanResult(['run', '--rm', '--read-only', '--network=none', '--user', '0', '--entrypoint', 'grep', image,
    '-rlIF', '--exclude-dir=proc', '--exclude-dir=sys', '--exclude-dir=dev', ...patterns, '/'], 300_000);
  // grep: 0 found, 1 nothing found, 2 an error (it also says 2 when a file was unreadable).
  if (grep.code !== 0 && grep.code !== 1) throw new Error(`grep in ${image} failed (${grep.code}): ${grep.stderr.slice(-1000)}`);
  return grep.stdout.split('\n').filter((file) => file !== '');
}
