import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';

describe('backend selection', () => {
  it('auto falls back from the absent tfjs-node to wasm and says why', async () => {
    const selection = await selectBackend('auto');
    expect(selection.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.fallbacks).toHaveLength(1);
    expect(selection.fallbacks[0]).toMatch(/^tensorflow: .*tfjs-node/);
  });

  it('loads the wasm binary with SIMD and without threads, from node_modules', async () => {
    await selectBackend('wasm');
    expect(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')).toBe(true);
    expect(tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
  });

  it('refuses an explicit tensorflow choice it cannot honour, naming the variable', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(/TF_BACKEND=tensorflow is not available/);
  });

  it('switches to the pure-JS cpu backend when asked', async () => {
    const selection = await selectBackend('cpu');
    expect(selection).toEqual({ name: 'cpu', fallbacks: [] });
    expect(tf.getBackend()).toBe('cpu');
  });
});
