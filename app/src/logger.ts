import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
}

/**
 * The service's structured logger: one JSON object per line, ISO timestamps, the service
 * name on every line so mixed pod logs stay attributable. Components get it passed in;
 * nothing in the service writes to the console directly.
 *
 * Lines go to stdout asynchronously: under load, the lines of the requests answered while a
 * write is in flight leave in one write() instead of one system call each. pino flushes what
 * is pending when the process exits (also by process.exit); only a SIGKILL loses the last lines.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { service: 'mnist-digits' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: false }));
}
