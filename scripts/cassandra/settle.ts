/**
 * `tsx scripts/cassandra/settle.ts [--timeout-s N] [--reset-s N] <node>...`: waits until the
 * given running local nodes see each other up and agree on one schema (lib.sh's
 * wait_for_settled runs it once they answer CQL).
 *
 * Why: a node that answers CQL may not yet be seen UP by its peers, and a DDL statement sent
 * then never reaches it: a DROP during that window left a restarted node on its old schema, and
 * the next CREATE waited five minutes for agreement. So start-up ends only when every running
 * node reports one schema version held by all running nodes (nodes that are down may be listed
 * as UNREACHABLE). `nodetool describecluster` is asked because only it reflects which peers a
 * node sees alive; the CQL system tables do not. If a node stays on another version for
 * --reset-s, its local schema is reset (`nodetool resetlocalschema`, the documented remedy: it
 * pulls the schema again).
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { findDisagreement, parseDescribeCluster, type Disagreement } from './schema-agreement.js';

const run = promisify(execFile);
const NODETOOL = fileURLToPath(new URL('./nodetool.sh', import.meta.url));
/** nodetool starts a JVM: slow on a busy machine, but a call that takes this long is stuck. */
const NODETOOL_TIMEOUT_MS = 120_000;
const MAX_NODES = 3;
const USAGE = 'usage: settle.ts [--timeout-s N] [--reset-s N] <node 1..3>...';

const log = (message: string) => process.stderr.write(`[cassandra] ${message}\n`);
const addressOf = (node: number) => `127.0.0.${node}`;
/** One line on why a nodetool call failed: the last line it wrote to stderr, else the error's first. */
function describeFailure(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const lastErrorLine = typeof stderr === 'string' ? stderr.trim().split('\n').at(-1) : undefined;
  return lastErrorLine || (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

async function nodetool(node: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(NODETOOL, [String(node), ...args], { timeout: NODETOOL_TIMEOUT_MS, maxBuffer: 4 << 20 });
  return stdout;
}

/** The first node (in order) whose view is not settled, and why; null when all agree. */
async function findUnsettledNode(nodes: readonly number[]): Promise<(Disagreement & { node: number }) | null> {
  const expected = nodes.map(addressOf);
  for (const node of nodes) {
    let disagreement: Disagreement | null;
    try {
      disagreement = findDisagreement(parseDescribeCluster(await nodetool(node, 'describecluster')), expected);
    } catch (error) {
      disagreement = { reason: `nodetool describecluster failed: ${describeFailure(error)}`, minority: [] };
    }
    if (disagreement !== null) return { ...disagreement, node };
  }
  return null;
}

async function resetLocalSchema(hosts: readonly string[]): Promise<void> {
  for (const host of hosts) {
    const node = Number(host.split('.').at(-1));
    if (host !== addressOf(node) || node < 1 || node > MAX_NODES) continue;
    log(`node ${node} is on another schema version; resetting its local schema`);
    await nodetool(node, 'resetlocalschema').catch((error: unknown) => log(`resetlocalschema on node ${node} failed: ${describeFailure(error)}`));
  }
}

function secondsFlag(name: string, text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--${name} must be a positive number of seconds, got "${text}"\n${USAGE}`);
  return seconds;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'timeout-s': { type: 'string', default: '180' }, 'reset-s': { type: 'string', default: '45' } },
    allowPositionals: true,
  });
  const nodes = positionals.map(Number);
  if (nodes.length === 0 || nodes.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_NODES)) throw new Error(USAGE);
  const timeoutS = secondsFlag('timeout-s', values['timeout-s']);
  const resetMs = secondsFlag('reset-s', values['reset-s']) * 1000;

  const deadline = Date.now() + timeoutS * 1000;
  let resetAt = Date.now() + resetMs;
  for (;;) {
    const unsettled = await findUnsettledNode(nodes);
    if (unsettled === null) break;
    if (unsettled.minority.length > 0 && Date.now() > resetAt) {
      await resetLocalSchema(unsettled.minority);
      resetAt = Date.now() + resetMs;
    }
    if (Date.now() > deadline) {
      throw new Error(`nodes ${nodes.join(' ')} did not settle within ${timeoutS}s; node ${unsettled.node} sees: ${unsettled.reason}`);
    }
    await sleep(1_000);
  }
  log(`nodes ${nodes.join(' ')} see each other up and agree on the schema`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  log(`ERROR: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
