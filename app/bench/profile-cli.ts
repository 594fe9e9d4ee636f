import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderBreakdown, summarizeProfiles, type CpuProfile } from './profile-summary.js';

/**
 * `node dist/app/bench/profile-cli.js FILE.cpuprofile... [--out summary.md]`: prints (and
 * writes) where the profiled process's main thread spent its time.
 */

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0) throw new Error('usage: profile-cli FILE.cpuprofile... [--out summary.md]');
  const profiles = await Promise.all(positionals.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as CpuProfile));
  const markdown = renderBreakdown(summarizeProfiles(profiles), `CPU profile: ${positionals.map((f) => path.basename(f)).join(', ')}`);
  if (values.out !== undefined) await writeFile(values.out, markdown);
  process.stdout.write(markdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`profile-cli: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
