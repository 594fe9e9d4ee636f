import { loadConfig } from '../config.js';
import { promote } from '../lifecycle/promote.js';
import { parseFlagsAndPositionals, UsageError } from './args.js';
import { printResult, withLifecycle } from './lifecycle-runtime.js';

const USAGE = `Usage: mnist promote VERSION [--reason TEXT]

Makes VERSION the active version on every replica (they switch within seconds, without a
restart), clearing any canary; compare-and-set, retried when another writer got there first.
Records "activated". Last line on stdout: the new serving state
{"active":"...","canary":null,"revision":...,"updatedAt":"...","reason":"...","previous":"...","changed":true}`;

/** Entry point of `mnist promote`. */
export async function run(args: string[]): Promise<void> {
  const parsed = parseFlagsAndPositionals(args, { reason: { type: 'string' } }, USAGE, 1);
  if (parsed === null) return;
  const version = parsed.positionals[0];
  if (version === undefined) throw new UsageError(`name the version to promote\n\n${USAGE}`);
  const config = loadConfig();
  const result = await withLifecycle(config, (deps) => promote(deps, version, parsed.values.reason ?? 'promoted by hand'));
  printResult({ ...result.state, previous: result.previous, changed: result.changed });
}
