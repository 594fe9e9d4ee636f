import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend, type BackendName, type BackendRuntime } from './backend.js';

/** A runtime where each backend starts or fails as told, recording what was tried. */
function fakeRuntime(failures: Partial<Record<BackendName, string>>, active: string | null = null) {
  const tried: BackendName[] = [];
  const start = (name: BackendName) => async () => {
    tried.push(name);
    const failure = failures[name];
    if (failure !== undefined) throw new Error(failure);
  };
  const runtime: BackendRuntime = {
    start: { tensorflow: start('tensorflow'), wasm: start('wasm'), cpu: start('cpu') },
    activeName: () => active,
  };
  return { runtime, tried };
}

const NO_TFJS_NODE = "Cannot find package '@tensorflow/tfjs-node' imported from backend.js";

describe('backend selection', () => {
  it('auto takes tfjs-node when it starts', async () => {
    const { runtime, tried } = fakeRuntime({});
    await expect(selectBackend('auto', { runtime })).resolves.toEqual({ name: 'tensorflow', fallbacks: [] });
    expect(tried).toEqual(['tensorflow']);
  });

  it('auto falls back from a missing tfjs-node to wasm and says why, in one line', async () => {
    const { runtime, tried } = fakeRuntime({ tensorflow: `${NO_TFJS_NODE}\n    at stack line` });
    await expect(selectBackend('auto', { runtime })).resolves.toEqual({ name: 'wasm', fallbacks: [`tensorflow: ${NO_TFJS_NODE}`] });
    expect(tried).toEqual(['tensorflow', 'wasm']);
  });

  it('auto ends on cpu when wasm fails too, and fails naming every reason when nothing starts', async () => {
    const twoFail = fakeRuntime({ tensorflow: 'absent', wasm: 'no binary' });
    await expect(selectBackend('auto', { runtime: twoFail.runtime })).resolves.toEqual({ name: 'cpu', fallbacks: ['tensorflow: absent', 'wasm: no binary'] });
    const allFail = fakeRuntime({ tensorflow: 'absent', wasm: 'no binary', cpu: 'broken' });
    await expect(selectBackend('auto', { runtime: allFail.runtime })).rejects.toThrow('no TF.js backend could start (tensorflow: absent; wasm: no binary; cpu: broken)');
  });

  it('refuses an explicit choice it cannot honour, naming the variable, and tries nothing else', async () => {
    const { runtime, tried } = fakeRuntime({ tensorflow: NO_TFJS_NODE });
    await expect(selectBackend('tensorflow', { runtime })).rejects.toThrow(`TF_BACKEND=tensorflow is not available: ${NO_TFJS_NODE}`);
    expect(tried).toEqual(['tensorflow']);
    await expect(selectBackend('wasm', { runtime: fakeRuntime({ wasm: 'no binary' }).runtime, setting: 'INFERENCE_BACKEND' })).rejects.toThrow('INFERENCE_BACKEND=wasm is not available: no binary');
  });

  it('keeps the backend already active without starting it again', async () => {
    const { runtime, tried } = fakeRuntime({ tensorflow: 'absent' }, 'wasm');
    await expect(selectBackend('auto', { runtime })).resolves.toEqual({ name: 'wasm', fallbacks: ['tensorflow: absent'] });
    expect(tried).toEqual(['tensorflow']);
  });
});

describe('backend selection with TF.js, whatever is installed', () => {
  it('auto picks tfjs-node exactly when it loads, else wasm with the reason tfjs-node was skipped', async () => {
    const specifier = '@tensorflow/tfjs-node';
    const tfjsNodeLoads = await import(specifier).then(() => true, () => false);
    const selection = await selectBackend('auto');
    expect(tf.getBackend()).toBe(selection.name);
    if (tfjsNodeLoads) {
      expect(selection).toEqual({ name: 'tensorflow', fallbacks: [] });
    } else {
      expect(selection.name).toBe('wasm');
      expect(selection.fallbacks).toEqual([expect.stringMatching(/^tensorflow: ./)]);
    }
  });

  it('loads the wasm binary with SIMD and without threads, from node_modules', async () => {
    await selectBackend('wasm');
    expect(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')).toBe(true);
    expect(tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
  });

  it('switches to the pure-JS cpu backend when asked', async () => {
    const selection = await selectBackend('cpu');
    expect(selection).toEqual({ name: 'cpu', fallbacks: [] });
    expect(tf.getBackend()).toBe('cpu');
  });
});
