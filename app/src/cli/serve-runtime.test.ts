import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../config.js';
import { findMissingRuntimeSettings, SERVE_ENV } from './serve-runtime.js';

/** NAME=value pairs in a line of `env A=1 B=2 ...` or `ENV A=1 B=2`. */
function assignmentsIn(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/\b([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

describe('the memory settings of a serve process', () => {
  it('are what make run starts the server with, and it execs the server (one process to signal)', () => {
    const makefile = readFileSync(path.join(PROJECT_ROOT, 'Makefile'), 'utf8');
    const recipe = /^run:.*\n\t(.*)$/m.exec(makefile)?.[1] ?? '';
    expect(recipe).toMatch(/^exec env .* \$\(CLI\) serve$/);
    expect(assignmentsIn(recipe)).toEqual(SERVE_ENV);
  });

  it("are in the environment of the image's runtime stage", () => {
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
    const env = Object.assign({}, ...runtime.split('\n').filter((l) => l.startsWith('ENV ')).map(assignmentsIn)) as Record<string, string>;
    expect(env).toMatchObject(SERVE_ENV);
  });

  it('are reported missing one by one, from the environment or the node flags', () => {
    expect(findMissingRuntimeSettings({}, [])).toEqual(['MALLOC_ARENA_MAX=2', '--max-semi-space-size=4']);
    expect(findMissingRuntimeSettings(SERVE_ENV, [])).toEqual([]);
    expect(findMissingRuntimeSettings({ MALLOC_ARENA_MAX: '4' }, ['--max-semi-space-size=8'])).toEqual([]);
  });
});
