import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadBootstrapConfig, loadConfig, PROJECT_ROOT } from './config.js';

/**
 * The Kubernetes manifests and this configuration meet only in env var names (app/ and k8s/
 * never import each other), so the check reads the manifests as a cluster gets them: the YAML
 * `make synth` writes to k8s/dist (a k8s test fails when it is not current). Every container
 * that runs a command of the app gets the env the YAML gives it, and the loader that command
 * uses must read every variable of it: one it never reads would be a setting that does nothing.
 */

type Env = Record<string, string>;
type Loader = (env: Readonly<Record<string, string | undefined>>) => unknown;

/** The settings each command of the app image reads (see app/src/cli/*.ts); replay reads flags only. */
const LOADERS: Record<string, Loader> = {
  serve: loadConfig,
  evaluate: loadConfig,
  train: loadConfig,
  bootstrap: loadBootstrapConfig,
  replay: () => undefined,
};

/** Stands in for a value read from a Secret: a plausible user name or password. */
const SECRET_VALUE = 'from_a_secret';

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
}
interface ManifestObject {
  kind: string;
  metadata: { name: string };
  data?: Env;
  spec?: { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } };
}

const objects = yaml.loadAll(readFileSync(path.join(PROJECT_ROOT, 'k8s/dist/mnist-k8s.k8s.yaml'), 'utf8')) as ManifestObject[];
const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data ?? {}]));
const appContainers = objects.flatMap((owner) => {
  const pod = owner.spec?.template?.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]
    .filter((container) => container.args?.[0] !== undefined && container.args[0] in LOADERS)
    .map((container) => ({ where: `${owner.kind}/${owner.metadata.name}/${container.name}`, command: container.args![0]!, container }));
});

/** The container's environment: its ConfigMaps, then its own entries (which win, as in Kubernetes). */
function environmentOf(container: Container): Env {
  const env: Env = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    if (name === undefined) continue;
    const data = configMaps.get(name);
    if (data === undefined) throw new Error(`container ${container.name} reads ConfigMap ${name}, which the manifests do not have`);
    Object.assign(env, data);
  }
  for (const entry of container.env ?? []) env[entry.name] = entry.value ?? SECRET_VALUE;
  return env;
}

/** The names `load` looks up when given `env`. */
function namesReadBy(load: Loader, env: Env): Set<string> {
  const read = new Set<string>();
  load(new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name);
    },
  }));
  return read;
}

describe('the Kubernetes manifests and the app configuration', () => {
  it('run the service and the keyspace bootstrap from the app image', () => {
    expect(appContainers.map((c) => c.command).sort()).toEqual(['bootstrap', 'serve']);
  });

  it.each(appContainers)('set only env vars that $command reads, with values it accepts ($where)', ({ command, container }) => {
    const env = environmentOf(container);
    // `$(NAME)` in args is expanded by Kubernetes, not read by the app.
    const expandedByKubernetes = new Set((container.args ?? []).flatMap((arg) => [...arg.matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1]!)));
    const read = namesReadBy(LOADERS[command]!, env);
    expect(Object.keys(env).filter((name) => !read.has(name) && !expandedByKubernetes.has(name))).toEqual([]);
  });
});
