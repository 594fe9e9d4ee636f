import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
}

/** Buffered lines leave once they fill this many bytes (~16 request lines: one write() for them)... */
const LOG_BUFFER_BYTES = 4096;
/** ...or after this long, so a quiet service still shows its lines at once, to a person's eye. */
const LOG_FLUSH_MS = 100;

/**
 * The service's structured logger: one JSON object per line, ISO timestamps, the service
 * name on every line so mixed pod logs stay attributable. Components get it passed in;
 * nothing in the service writes to the console directly.
 *
 * Lines go to stdout buffered and asynchronously: under load, one write() carries the lines of
 * many requests instead of one system call each. pino flushes what is pending when the process
 * exits (also by process.exit); only a SIGKILL loses the last lines (at most LOG_FLUSH_MS' worth).
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { service: 'mnist-digits' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const stdout = (): DestinationStream => pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS });
  return pino(settings, options.destination ?? stdout());
}
