import path from 'node:path';
import { parseFlags } from '../../src/cli/args.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { exportOnnx } from './export-onnx.js';
import { errorMessage } from '../../src/errors.js';

/**
 * `node dist/app/bench/onnx/export-cli.js --cache-dir DIR [--model-dir app/model]`: writes (or
 * finds) the ONNX twin of the TF.js model and prints its path as the last line of stdout, so
 * scripts/bench.sh can hand it to the classifier benchmark.
 */

const USAGE = 'Usage: export-cli --cache-dir DIR [--model-dir app/model]';

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args, { 'cache-dir': { type: 'string' }, 'model-dir': { type: 'string' } }, USAGE);
  if (flags === null) return;
  if (flags['cache-dir'] === undefined) throw new Error(`--cache-dir is required\n\n${USAGE}`);
  const modelDir = path.resolve(flags['model-dir'] ?? path.join(PROJECT_ROOT, 'app/model'));
  const started = performance.now();
  const result = await exportOnnx(modelDir, path.resolve(flags['cache-dir']));
  const what = result.cached ? 'cached' : `converted in ${Math.round(performance.now() - started)} ms`;
  process.stderr.write(`onnx: ${what}, ${result.bytes} bytes\n`);
  process.stdout.write(`${result.file}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`export-onnx: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
