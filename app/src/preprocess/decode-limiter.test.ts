import { describe, expect, it } from 'vitest';
import { TimeoutError, UnavailableError } from '../errors.js';
import { createDecodeLimiter } from './decode-limiter.js';

/** A task that runs until the test releases it, recording that it started. */
function gatedTask(started: string[], name: string): { run: () => Promise<string>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    release: () => release(),
    run: async () => {
      started.push(name);
      await gate;
      return name;
    },
  };
}

describe('createDecodeLimiter', () => {
  it('runs at most `concurrency` tasks at once, then the waiting ones in arrival order', async () => {
    const limiter = createDecodeLimiter({ concurrency: 2, maxQueued: 10 });
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((name) => gatedTask(started, name));
    const results = tasks.map((task) => limiter.run(task.run));
    await Promise.resolve();
    expect(started).toEqual(['a', 'b']);
    expect({ active: limiter.active, queued: limiter.queued }).toEqual({ active: 2, queued: 2 });
    tasks[1]!.release();
    expect(await results[1]).toBe('b');
    expect(started).toEqual(['a', 'b', 'c']);
    for (const task of tasks) task.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect({ active: limiter.active, queued: limiter.queued }).toEqual({ active: 0, queued: 0 });
  });

  it('refuses with 503 once maxQueued tasks are waiting, and takes tasks again when they drain', async () => {
    const limiter = createDecodeLimiter({ concurrency: 1, maxQueued: 1 });
    const started: string[] = [];
    const running = gatedTask(started, 'running');
    const waiting = gatedTask(started, 'waiting');
    const first = limiter.run(running.run);
    const second = limiter.run(waiting.run);
    const refused = await limiter.run(async () => 'never').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).message).toBe('the image decoder is busy (1 images waiting): retry shortly');
    running.release();
    waiting.release();
    await Promise.all([first, second]);
    await expect(limiter.run(async () => 'again')).resolves.toBe('again');
  });

  it('drops a waiting task whose request was aborted: it never runs, and rejects with the reason', async () => {
    const limiter = createDecodeLimiter({ concurrency: 1, maxQueued: 5 });
    const started: string[] = [];
    const running = gatedTask(started, 'running');
    const first = limiter.run(running.run);
    const controller = new AbortController();
    const dropped = limiter.run(gatedTask(started, 'dropped').run, controller.signal);
    const reason = new TimeoutError('the request took longer than 10 ms');
    controller.abort(reason);
    await expect(dropped).rejects.toBe(reason);
    expect(limiter.queued).toBe(0);
    running.release();
    await first;
    expect(started).toEqual(['running']);
  });

  it('never starts a task whose signal is already aborted, and frees the slot of a task that throws', async () => {
    const limiter = createDecodeLimiter({ concurrency: 1, maxQueued: 0 });
    await expect(limiter.run(async () => 'x', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    await expect(limiter.run(async () => Promise.reject(new Error('corrupt')))).rejects.toThrow('corrupt');
    expect(limiter.active).toBe(0);
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });
});
