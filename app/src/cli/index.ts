#!/usr/bin/env node
/**
 * The one entry point of the image and of the Makefile: `index.js <command> [flags]`.
 * Each command lives in its own module exporting `run(args)`; this file only dispatches and
 * owns the one top-level catch: a message for people, a stack only when DEBUG is set.
 */
import { errorMessage, StartupError } from '../errors.js';
import { UsageError } from './args.js';

const USAGE = `Usage: mnist <command> [flags]

Commands:
  serve       serve the web page and API (config from environment variables)
  train       train the CNN on MNIST and write app/model
  evaluate    accuracy of the model on the 10,000 MNIST test images, per inference backend (last line: JSON)
  export-onnx write model.onnx (the model's ONNX twin, served by onnxruntime) from the TF.js weights
  bootstrap   create the Cassandra keyspace, tables and app role; idempotent
  replay      drive MNIST test images or recorded traffic through a running service
  retrain     fine-tune the active model version on MNIST plus the users' corrections; publish the candidate
  gate        judge a candidate against the active version (MNIST, held-out corrections, agreement, p99)
  canary      gate a candidate, serve it to a share of live traffic, then promote or roll it back
  promote     make a model version active on every replica

Run "mnist <command> --help" for a command's flags.`;

type Command = { run(args: string[]): Promise<void> };

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: () => import('./serve.js'),
  train: () => import('./train.js'),
  evaluate: () => import('./evaluate.js'),
  'export-onnx': () => import('./export-onnx.js'),
  bootstrap: () => import('./bootstrap.js'),
  replay: () => import('./replay.js'),
  retrain: () => import('./retrain.js'),
  gate: () => import('./gate.js'),
  canary: () => import('./canary.js'),
  promote: () => import('./promote.js'),
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
  }
  const command = await load();
  await command.run(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`mnist: ${error.message}\n`);
    process.exit(2);
  }
  const known = error instanceof StartupError;
  const message = errorMessage(error);
  process.stderr.write(`mnist: ${known ? message : `unexpected error: ${message}`}\n`);
  if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  // Exit now: a half-opened client (database driver, HTTP agent) must not keep a failed command alive.
  process.exit(1);
});
