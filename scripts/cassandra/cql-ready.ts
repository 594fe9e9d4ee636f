/**
 * `tsx scripts/cassandra/cql-ready.ts [--wait-s N] <node 1..3>...`: exits 0 when every given
 * local node answers CQL, 1 otherwise. With --wait-s it keeps asking, twice a second, until
 * they all do or N seconds pass: lib.sh's wait_for_node runs one such process for a node's whole
 * start-up (polling inside one Node process, not one process per look, on 2 busy cores).
 *
 * "Answers CQL" is what the app will need next: the driver's own handshake on 127.0.0.n:9042
 * (OPTIONS, STARTUP, then a read of system.local). A node with PasswordAuthenticator (AUTH=1)
 * answers the handshake by asking for credentials: that counts as answering, so the probe needs
 * none.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { answersCql } from './cql-probe.js';

const MAX_NODES = 3;
const POLL_MS = 500;
const USAGE = 'usage: cql-ready.ts [--wait-s N] <node 1..3>...';

const addressOf = (node: number): string => `127.0.0.${node}`;

function parseNodes(positionals: readonly string[]): number[] {
  const nodes = positionals.map(Number);
  if (nodes.length === 0 || nodes.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_NODES)) throw new Error(USAGE);
  return nodes;
}

async function allAnswer(nodes: readonly number[]): Promise<boolean> {
  const answers = await Promise.all(nodes.map((n) => answersCql(addressOf(n))));
  return answers.every(Boolean);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { 'wait-s': { type: 'string' } }, allowPositionals: true });
  const nodes = parseNodes(positionals);
  const waitS = values['wait-s'] === undefined ? 0 : Number(values['wait-s']);
  if (!Number.isFinite(waitS) || waitS < 0) throw new Error(`--wait-s must be a number of seconds, got "${values['wait-s']}"\n${USAGE}`);
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    if (await allAnswer(nodes)) return 0;
    if (Date.now() >= deadline) return 1;
    await sleep(POLL_MS);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[cassandra] ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
