import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Sample } from './outcome.js';

/**
 * --answers FILE: one CSV row per request, so a person can see which images a model version
 * answers differently (diff two runs, or compare with `mnist evaluate`), not just how many.
 */

export const ANSWERS_HEADER = 'request,source_index,label,recorded_digit,status,digit,latency_ms';

export interface AnswersFile {
  write(sample: Sample): void;
  close(): Promise<void>;
}

/** Opens FILE and writes the header; rows are streamed as requests finish. */
export function openAnswersFile(file: string): AnswersFile {
  const stream: WriteStream = createWriteStream(file);
  stream.write(`${ANSWERS_HEADER}\n`);
  return {
    write(sample) {
      const { item, outcome } = sample;
      const latencyMs = (sample.endedAtMs - sample.scheduledAtMs).toFixed(3);
      stream.write(
        `${sample.requestIndex},${item.sourceIndex},${item.label ?? ''},${item.recordedDigit ?? ''},` +
          `${outcome.status},${outcome.digit ?? ''},${latencyMs}\n`,
      );
    },
    async close() {
      stream.end();
      await once(stream, 'finish');
    },
  };
}

/** Parses an answers CSV back into rows (for tests and comparisons). */
export function parseAnswers(text: string): { sourceIndex: number; label: number | null; digit: number | null; status: string }[] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [, sourceIndex, label, , status, digit] = line.split(',');
      return {
        sourceIndex: Number(sourceIndex),
        label: label === '' ? null : Number(label),
        digit: digit === '' ? null : Number(digit),
        status: status!,
      };
    });
}
