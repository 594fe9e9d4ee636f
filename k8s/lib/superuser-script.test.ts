import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SUPERUSER_SCRIPT } from './superuser-script.js';

/**
 * A fake `cqlsh` standing in for a ring (this is a unit test of the script's logic; the real
 * cqlsh needs a real ring). State: the superuser's current password, or `down` when no node
 * answers. Every call is logged as `user|password|statement`.
 */
const FAKE_CQLSH = `#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in -u) user=$2; shift ;; -p) pass=$2; shift ;; -e) stmt=$2; shift ;; esac
  shift
done
echo "$user|$pass|$stmt" >> "$FAKE_STATE/calls"
current=$(cat "$FAKE_STATE/password")
[ "$current" = down ] && { echo "Connection error: refused" >&2; exit 2; }
[ "$user" = cassandra ] && [ "$pass" = "$current" ] || { echo "AuthenticationFailed" >&2; exit 1; }
case "$stmt" in
  "ALTER ROLE cassandra WITH PASSWORD = '"*) new=\${stmt#*= \\'}; printf '%s' "\${new%\\'}" > "$FAKE_STATE/password" ;;
esac
exit 0
`;

const SECRET = 'S3cretFromTheGeneratedSecret0123';

function runScript(state: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'superuser-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'cqlsh'), FAKE_CQLSH);
  chmodSync(path.join(dir, 'cqlsh'), 0o755);
  writeFileSync(path.join(dir, 'password'), state);
  writeFileSync(path.join(dir, 'calls'), '');
  const result = spawnSync('sh', ['-c', SUPERUSER_SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: `${dir}:${process.env.PATH}`, FAKE_STATE: dir,
      CASSANDRA_CONTACT_POINTS: 'cassandra', CASSANDRA_PORT: '9042', CASSANDRA_LOCAL_DC: 'datacenter1',
      CASSANDRA_USERNAME: 'cassandra', CASSANDRA_PASSWORD: SECRET, SYSTEM_AUTH_REPLICATION_FACTOR: '3', WAIT_SECONDS: '0',
      ...env,
    },
  });
  const calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
  return { ...result, calls, password: readFileSync(path.join(dir, 'password'), 'utf8'), dir };
}

describe('the superuser init script', () => {
  it('on a fresh ring logs in with the default role, replicates system_auth and sets the Secret\'s password', () => {
    const run = runScript('cassandra');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('fresh ring');
    expect(run.calls).toContain(
      "cassandra|cassandra|ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3}");
    expect(run.calls.at(-1)).toBe(`cassandra|cassandra|ALTER ROLE cassandra WITH PASSWORD = '${SECRET}'`);
    expect(run.password).toBe(SECRET);
  });

  it('on a ring already set up logs in with the Secret and changes nothing but the replication', () => {
    const run = runScript(SECRET, { SYSTEM_AUTH_REPLICATION_FACTOR: '5' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("logged in with the Secret's password");
    expect(run.calls.filter((c) => c.includes('ALTER') && !c.startsWith(`cassandra|${SECRET}|`))).toEqual([]);
    expect(run.calls.some((c) => c.includes("'datacenter1': 5"))).toBe(true);
    expect(run.password).toBe(SECRET);
  });

  it('fails with the reason when no login works before the deadline', () => {
    const down = runScript('down');
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('no CQL login after 0s at cassandra:9042');
    const replaced = runScript('an-older-password');
    expect(replaced.status).toBe(1);
    expect(replaced.stderr).toContain('cassandra-superuser Secret replaced');
    expect(replaced.password).toBe('an-older-password');
  });
});
