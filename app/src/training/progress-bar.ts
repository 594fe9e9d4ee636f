/**
 * Training progress on stderr: epoch, batch, running loss and accuracy, ETA. On a terminal
 * one line is redrawn in place; into a log file (nohup) a line is written every tenth of an
 * epoch, so the log stays readable.
 */

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

export interface BatchProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  readonly loss: number;
  readonly accuracy: number;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 250;

/** "1h02m", "3m07s", "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

export class ProgressBar {
  private readonly startedAt: number;
  private lastDrawAt = 0;
  private lastDecile = -1;

  constructor(private readonly stream: ProgressStream, private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  /** Call after every batch; draws only as often as it is useful. */
  update(p: BatchProgress): void {
    const done = (p.epoch - 1) * p.batches + p.batch;
    const total = p.epochs * p.batches;
    const elapsedS = (this.now() - this.startedAt) / 1000;
    const etaS = done > 0 ? (elapsedS / done) * (total - done) : 0;
    const fraction = p.batch / p.batches;
    const filled = Math.round(fraction * BAR_WIDTH);
    const line =
      `epoch ${p.epoch}/${p.epochs} [${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ` +
      `batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)} ETA ${formatDuration(etaS)}`;
    if (this.stream.isTTY) {
      if (this.now() - this.lastDrawAt < REDRAW_MS && p.batch !== p.batches) return;
      this.lastDrawAt = this.now();
      this.stream.write(`\r${line}\x1b[K`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile || p.batch === p.batches) {
      this.lastDecile = decile;
      this.stream.write(`${line}\n`);
    }
  }

  /** A line that stays (end of an epoch); ends the redrawn line first on a terminal. */
  log(message: string): void {
    this.stream.write(`${this.stream.isTTY ? '\n' : ''}${message}\n`);
    this.lastDecile = -1;
  }
}
