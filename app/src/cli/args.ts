import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../errors.js';

/** Wrong flags or command: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'];

/**
 * Parses `args` with node:util's parseArgs (strict: unknown flags are errors). `--help`
 * prints `usage` and returns null so the command can return without doing anything.
 */
export function parseFlags<O extends Options>(args: string[], options: O, usage: string): Values<O> | null {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(`${errorMessage(error)}\n\n${usage}`);
  }
  if ((parsed.values as Record<string, unknown>).help === true) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  return parsed.values as Values<O>;
}

/** A flag value that must be a positive integer (or undefined when absent). */
export function positiveInt(name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive integer, got "${String(value)}"`);
  }
  return n;
}

/**
 * parseFlags for commands that also take positional arguments (`mnist gate VERSION`): at most
 * `maxPositionals` of them. Returns null after printing `usage` for --help.
 */
export function parseFlagsAndPositionals<O extends Options>(args: string[], options: O, usage: string, maxPositionals: number): { values: Values<O>; positionals: string[] } | null {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${errorMessage(error)}\n\n${usage}`);
  }
  if ((parsed.values as Record<string, unknown>).help === true) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"\n\n${usage}`);
  }
  return { values: parsed.values as Values<O>, positionals: parsed.positionals };
}

/** A flag value that must be a number in [min, max] (or undefined when absent). */
export function numberIn(name: string, value: string | boolean | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${String(value)}"`);
  }
  return n;
}
