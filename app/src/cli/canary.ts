import { loadConfig } from '../config.js';
import { runCanary } from '../lifecycle/canary.js';
import { newestCandidate } from '../lifecycle/candidates.js';
import { parseFlagsAndPositionals } from './args.js';
import { CANARY_FLAGS, CANARY_USAGE, canaryOptions, GATE_FLAGS, GATE_USAGE } from './lifecycle-flags.js';
import { printResult, withLifecycle } from './lifecycle-runtime.js';

const USAGE = `Usage: mnist canary [VERSION] [flags]

Runs the gates on a candidate (default: the newest version not yet judged); if they pass,
serves it to a share of live predictions (the canary) for a while, watching the failures and
p99 every replica reports and the corrections users make to its answers. Rolls it back as
soon as a threshold is crossed, else makes it the active version. SIGINT/SIGTERM roll it back.
Every step is recorded with its figures. Exits 0 whenever a decision was taken. Last line:
{"version":"...","decision":"promoted"|"rolled-back"|"gate-rejected","reason":"...","gate":{...},"canary":{...},"state":{...}}

Gate flags:
${GATE_USAGE}

Canary flags:
${CANARY_USAGE}`;

/** Entry point of `mnist canary`. */
export async function run(args: string[]): Promise<void> {
  const parsed = parseFlagsAndPositionals(args, { ...GATE_FLAGS, ...CANARY_FLAGS }, USAGE, 1);
  if (parsed === null) return;
  const abort = new AbortController();
  const options = canaryOptions(parsed.values, abort.signal);
  const config = loadConfig();
  const interrupt = (): void => abort.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    printResult(await withLifecycle(config, async (deps) => runCanary(deps, parsed.positionals[0] ?? (await newestCandidate(deps.registry)), options)));
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}
