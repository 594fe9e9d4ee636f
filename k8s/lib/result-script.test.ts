import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { resultCommand, TERMINATION_MESSAGE_MAX_BYTES } from './result-script.js';

/** Runs the real script with node around a stand-in for the app's CLI. */
function run(cliSource: string, args: string[] = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'result-script-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const cli = path.join(dir, 'cli.cjs');
  const messageFile = path.join(dir, 'termination-log');
  writeFileSync(cli, cliSource);
  const [node, ...rest] = resultCommand(cli, args, messageFile);
  const result = spawnSync(node === 'node' ? process.execPath : node!, rest, { encoding: 'utf8' });
  return { ...result, message: existsSync(messageFile) ? readFileSync(messageFile, 'utf8') : null };
}

describe('the lifecycle Jobs result script', () => {
  it('passes the output through and writes the last JSON line to the termination message', () => {
    const out = run(`
      console.log('epoch 1/2 loss 0.12');
      console.log(JSON.stringify({ args: process.argv.slice(2) }));
      console.log(JSON.stringify({ version: 'v2', parent: 'v1', mnistTestAccuracy: 0.9931 }));
    `, ['retrain', '--epochs', '2']);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('epoch 1/2 loss 0.12\n{"args":["retrain","--epochs","2"]}\n');
    expect(JSON.parse(out.message!)).toEqual({ version: 'v2', parent: 'v1', mnistTestAccuracy: 0.9931 });
  });

  it("keeps the command's exit code and writes nothing when the last line is not JSON", () => {
    const out = run(`console.error('Cassandra unreachable'); console.log('giving up'); process.exit(3);`);
    expect(out.status).toBe(3);
    expect(out.stderr).toContain('Cassandra unreachable');
    expect(out.message).toBeNull();
  });

  it('records a decision even when the command exits non-zero after printing it', () => {
    const out = run(`console.log(JSON.stringify({ version: 'v2', decision: 'rolled-back' })); process.exitCode = 1;`);
    expect(out.status).toBe(1);
    expect(JSON.parse(out.message!)).toEqual({ version: 'v2', decision: 'rolled-back' });
  });

  it('cuts a result too large for the kubelet down to its scalar fields', () => {
    const big = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`figure${i}`, i / 7]));
    const out = run(`console.log(JSON.stringify({ version: 'v2', decision: 'promoted', figures: ${JSON.stringify(big)} }));`);
    expect(out.status).toBe(0);
    expect(Buffer.byteLength(out.message!)).toBeLessThanOrEqual(TERMINATION_MESSAGE_MAX_BYTES);
    expect(JSON.parse(out.message!)).toEqual({ version: 'v2', decision: 'promoted', truncated: true });
  });
});
