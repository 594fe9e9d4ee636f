import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from './config.js';
import { ConfigError } from './errors.js';

/** The service's own settings (Cassandra's are in config-cassandra.test.ts). */

describe('service settings', () => {
  it('defaults to the documented values with an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      host: '0.0.0.0',
      port: 3000,
      logLevel: 'info',
      modelDir: path.join(PROJECT_ROOT, 'app/model'),
      inferenceBackend: 'auto',
      inferenceCpuThreads: 0,
      trainingBackend: 'auto',
      inferenceThread: 'worker',
      batchMaxSize: 32,
      batchMaxWaitMs: 2,
      maxBodyBytes: 5 * 1024 * 1024,
      maxInflightBodyBytes: 32 * 1024 * 1024,
      maxInputPixels: 1024 * 1024,
      maxImageSidePx: 2048,
      maxImageFrames: 100,
      decodeTimeoutMs: 2_000,
      decodeConcurrency: 2,
      decodeQueueMax: 128,
      maxConnections: 2048,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      cassandra: undefined,
    });
  });

  it('keeps room for at least one whole upload in MAX_INFLIGHT_BODY_BYTES, naming the variable', () => {
    expect(loadConfig({ MAX_BODY_BYTES: String(64 * 1024 * 1024) }).maxInflightBodyBytes).toBe(64 * 1024 * 1024);
    expect(() => loadConfig({ MAX_BODY_BYTES: '2048', MAX_INFLIGHT_BODY_BYTES: '1024' })).toThrow(/^MAX_INFLIGHT_BODY_BYTES must be an integer from 2048 to/);
  });

  it('refuses a decode budget under a second: libvips counts it in whole seconds', () => {
    expect(() => loadConfig({ DECODE_TIMEOUT_MS: '500' })).toThrow(/DECODE_TIMEOUT_MS must be an integer from 1000 to 60000, got "500"/);
  });

  it('runs the model in a worker thread unless INFERENCE_THREAD says main', () => {
    expect(loadConfig({ INFERENCE_THREAD: 'main' }).inferenceThread).toBe('main');
    expect(loadConfig({ INFERENCE_THREAD: ' worker ' }).inferenceThread).toBe('worker');
    expect(loadConfig({ INFERENCE_THREAD: '' }).inferenceThread).toBe('worker');
  });

  it('refuses any other INFERENCE_THREAD value, naming the variable and the choices', () => {
    expect(() => loadConfig({ INFERENCE_THREAD: 'threads' })).toThrow(ConfigError);
    expect(() => loadConfig({ INFERENCE_THREAD: 'threads' })).toThrow('INFERENCE_THREAD must be one of worker, main, got "threads"');
  });

  it('lets INFERENCE_BACKEND choose onnxruntime or a TF.js backend, and TF_BACKEND only TF.js ones (training)', () => {
    expect(loadConfig({ INFERENCE_BACKEND: 'onnxruntime', TF_BACKEND: 'wasm' })).toMatchObject({ inferenceBackend: 'onnxruntime', trainingBackend: 'wasm' });
    expect(() => loadConfig({ INFERENCE_BACKEND: 'onnx' })).toThrow('INFERENCE_BACKEND must be one of auto, onnxruntime, tensorflow, wasm, cpu, got "onnx"');
    expect(() => loadConfig({ TF_BACKEND: 'onnxruntime' })).toThrow('TF_BACKEND must be one of auto, tensorflow, wasm, cpu, got "onnxruntime"');
    expect(() => loadConfig({ INFERENCE_CPU_THREADS: '-1' })).toThrow(/INFERENCE_CPU_THREADS must be an integer from 0 to 256/);
  });

  it('refuses a batch size outside 1..1024, naming the variable', () => {
    expect(() => loadConfig({ BATCH_MAX_SIZE: '0' })).toThrow(/BATCH_MAX_SIZE must be an integer from 1 to 1024, got "0"/);
    expect(loadConfig({ BATCH_MAX_SIZE: '64' }).batchMaxSize).toBe(64);
  });

  it('follows the model registry every 2 s by default, caching versions in DATA_DIR/models, reporting as the host', () => {
    const config = loadConfig({ DATA_DIR: '/var/lib/mnist' });
    expect(config.modelServing).toEqual({ pollMs: 2_000, cacheDir: '/var/lib/mnist/models', replicaName: os.hostname(), liveReportMs: 5_000 });
    expect(loadConfig({ MODEL_POLL_MS: '500', MODEL_CACHE_DIR: '/tmp/m', REPLICA_NAME: 'digits-0', MODEL_LIVE_REPORT_MS: '1000' }).modelServing)
      .toEqual({ pollMs: 500, cacheDir: '/tmp/m', replicaName: 'digits-0', liveReportMs: 1_000 });
    expect(() => loadConfig({ MODEL_POLL_MS: '0' })).toThrow(/^MODEL_POLL_MS must be an integer from 50 to/);
    expect(() => loadConfig({ MODEL_LIVE_REPORT_MS: 'often' })).toThrow(/^MODEL_LIVE_REPORT_MS must be/);
  });
});
