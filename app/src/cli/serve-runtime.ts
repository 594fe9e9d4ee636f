/**
 * How the service's process must be started for its memory to stay bounded: settings that only
 * take effect at process start, so the code cannot set them itself. `make run` and the image
 * (Dockerfile) start `serve` with exactly these (serve-runtime.test.ts checks both), and so do
 * the benchmarks and the tests that measure memory. `serve` logs a warning when they are missing.
 *
 * - MALLOC_ARENA_MAX=2: glibc gives every thread that allocates its own arena and keeps what is
 *   freed there; libvips decodes on libuv's threads, and under a burst of large images the
 *   arenas held ~90 MiB more than needed (measured: peak RSS 324 MiB instead of 295).
 * - --max-semi-space-size=4: V8's young generation, 16 MiB a semi-space by default, grows to its
 *   maximum under load and stays there; 4 MiB took another 50 MiB off that peak (to 243 MiB).
 */

/** Environment of a `serve` process, on top of the caller's. */
export const SERVE_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: '--max-semi-space-size=4',
};

/** The settings of SERVE_ENV this process was started without, described for a log line. */
export function findMissingRuntimeSettings(env: Readonly<Record<string, string | undefined>>, execArgv: readonly string[]): string[] {
  const missing: string[] = [];
  if (env.MALLOC_ARENA_MAX === undefined) missing.push(`MALLOC_ARENA_MAX=${SERVE_ENV.MALLOC_ARENA_MAX}`);
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (!flags.some((flag) => flag.startsWith('--max-semi-space-size'))) missing.push(SERVE_ENV.NODE_OPTIONS!);
  return missing;
}
