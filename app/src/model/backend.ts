import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, TfjsBackendName } from '../config.js';
import { BackendUnavailableError, errorSummary } from '../errors.js';

/**
 * Picks the TF.js backend once per process. `auto` prefers native TensorFlow (tfjs-node, an
 * optional dependency that cannot install without internet), then WebAssembly (SIMD, one
 * thread: Node has no cross-origin-isolated workers here), then pure JS. The chosen name is
 * always returned so the service can report what it runs on.
 */

/** A backend we can run on; the names TF.js itself uses. */
export type BackendName = TfjsBackendName;

export interface BackendSelection {
  readonly name: BackendName;
  /** Why a preferred backend was skipped (empty when the first choice worked). */
  readonly fallbacks: readonly string[];
}

const require = createRequire(import.meta.url);
// A variable specifier keeps TypeScript from resolving a package that is usually absent.
const TFJS_NODE = '@tensorflow/tfjs-node';

async function tryTensorflow(): Promise<void> {
  await import(TFJS_NODE);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but backend "tensorflow" did not initialise');
}

async function tryWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The .wasm binaries ship beside the package's entry file; a local path means no network.
  const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(`${distDir}${path.sep}`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('backend "wasm" did not initialise');
}

async function tryCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" did not initialise');
}

/** How to start each backend (each throws when it cannot), and which one is active now. */
export interface BackendRuntime {
  readonly start: Readonly<Record<BackendName, () => Promise<void>>>;
  activeName(): string | null;
}

/** TF.js itself. `tf.ready()` is part of starting: a backend that fails there is skipped too. */
const TFJS: BackendRuntime = {
  start: {
    tensorflow: () => tryTensorflow().then(() => tf.ready()),
    wasm: () => tryWasm().then(() => tf.ready()),
    cpu: () => tryCpu().then(() => tf.ready()),
  },
  // engine().backendName does not initialise a default backend the way getBackend() does.
  activeName: () => tf.engine().backendName,
};

export interface SelectOptions {
  /** How to start backends. @default TF.js itself; tests pass their own to check the walk whatever is installed */
  readonly runtime?: BackendRuntime;
  /** The setting named when an explicit choice fails. @default 'TF_BACKEND' */
  readonly setting?: string;
}

/**
 * Activates a backend. An explicit choice must work (else the error propagates, naming the
 * setting); `auto` walks tensorflow -> wasm -> cpu and records why each earlier one was skipped.
 */
export async function selectBackend(choice: BackendChoice, options: SelectOptions = {}): Promise<BackendSelection> {
  const runtime = options.runtime ?? TFJS;
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  const fallbacks: string[] = [];
  for (const name of order) {
    if (runtime.activeName() === name) return { name, fallbacks };
    try {
      await runtime.start[name]();
      return { name, fallbacks };
    } catch (error) {
      if (choice !== 'auto') throw new BackendUnavailableError(`${options.setting ?? 'TF_BACKEND'}=${choice} is not available: ${errorSummary(error)}`, { cause: error });
      fallbacks.push(`${name}: ${errorSummary(error)}`);
    }
  }
  throw new Error(`no TF.js backend could start (${fallbacks.join('; ')})`);
}
