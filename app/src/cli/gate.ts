import { loadConfig } from '../config.js';
import { newestCandidate } from '../lifecycle/candidates.js';
import { runGates } from '../lifecycle/gates.js';
import { parseFlagsAndPositionals } from './args.js';
import { GATE_FLAGS, GATE_USAGE, gateOptions, gateThresholds } from './lifecycle-flags.js';
import { printResult, withLifecycle } from './lifecycle-runtime.js';

const USAGE = `Usage: mnist gate [VERSION] [flags]

Judges a candidate version (default: the newest one not yet judged) against the active one
before any user sees it, on the same data: accuracy on the 10,000 MNIST test images, accuracy
on the held-out corrections, agreement on recorded traffic (recent stored predictions nobody
corrected), and the p99 of its model call. With --service-url, agreement and p99 come from a
shadow replay of the service's recorded traffic through its API (its requests' p99). Records
"gate-passed" or "gate-rejected" with every figure and how it was measured; exits 0 either
way. Last line on stdout:
{"version":"...","decision":"gate-passed"|"gate-rejected","reason":"...","figures":{...}}

Flags:
${GATE_USAGE}`;

/** Entry point of `mnist gate`. */
export async function run(args: string[]): Promise<void> {
  const parsed = parseFlagsAndPositionals(args, GATE_FLAGS, USAGE, 1);
  if (parsed === null) return;
  const thresholds = gateThresholds(parsed.values);
  const options = gateOptions(parsed.values);
  const config = loadConfig();
  printResult(await withLifecycle(config, async (deps) => runGates(deps, parsed.positionals[0] ?? (await newestCandidate(deps.registry)), thresholds, options)));
}
