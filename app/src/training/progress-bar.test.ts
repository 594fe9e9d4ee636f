import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressBar } from './progress-bar.js';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (c: string) => chunks.push(c) }, chunks };
}

describe('the training progress bar', () => {
  it('shows epoch, batch, loss, accuracy and an ETA from the pace so far', () => {
    let nowMs = 0;
    const { stream, chunks } = capture(false);
    const bar = new ProgressBar(stream, () => nowMs);
    nowMs = 10_000;
    bar.update({ epoch: 1, epochs: 2, batch: 10, batches: 100, loss: 0.5, accuracy: 0.875 });
    // 10 of 200 batches took 10 s: 190 to go at 1 s each.
    expect(chunks[0]).toBe('epoch 1/2 [==                      ] batch 10/100 loss 0.5000 acc 0.8750 ETA 3m10s\n');
  });

  it('writes a log file line only every tenth of an epoch and at its end', () => {
    const { stream, chunks } = capture(false);
    const bar = new ProgressBar(stream, () => 0);
    for (let batch = 1; batch <= 100; batch++) bar.update({ epoch: 1, epochs: 1, batch, batches: 100, loss: 1, accuracy: 0 });
    expect(chunks).toHaveLength(11);
    expect(chunks.at(-1)).toContain('batch 100/100');
  });

  it('redraws one line in place on a terminal', () => {
    let nowMs = 0;
    const { stream, chunks } = capture(true);
    const bar = new ProgressBar(stream, () => nowMs);
    nowMs = 1000;
    bar.update({ epoch: 1, epochs: 1, batch: 1, batches: 3, loss: 1, accuracy: 0 });
    bar.update({ epoch: 1, epochs: 1, batch: 2, batches: 3, loss: 1, accuracy: 0 });
    nowMs = 2000;
    bar.update({ epoch: 1, epochs: 1, batch: 3, batches: 3, loss: 1, accuracy: 0 });
    bar.log('done');
    expect(chunks).toHaveLength(3);
    expect(chunks[0]!.startsWith('\r')).toBe(true);
    expect(chunks[2]).toBe('\ndone\n');
  });

  it('formats durations for people', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(3720)).toBe('1h02m');
  });
});
