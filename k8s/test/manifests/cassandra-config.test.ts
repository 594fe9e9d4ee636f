import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCassandraConfigScript } from '../../lib/cassandra-config-script.js';
import { REPO_ROOT } from '../../generated-files.js';

/**
 * The Cassandra pods' `config` init container rewrites cassandra.yaml. This runs that script on
 * a real configuration and loads the result with Cassandra 5.0's own start-up code
 * (DatabaseDescriptor + AuthConfig, from the jars scripts/cassandra/ fetches from Maven Central),
 * so a format Cassandra would reject fails here rather than in a pod.
 */

let java: string;
let classpath: string;
const work = mkdtempSync(path.join(tmpdir(), 'cassandra-auth-'));
const classesDir = path.join(work, 'classes');

beforeAll(() => {
  // scripts/cassandra/lib.sh owns fetching the jars and finding a Java 11/17.
  const found = execFileSync('bash', ['-c', 'source scripts/cassandra/lib.sh && fetch_cassandra && find_java && echo "$CACHE_DIR/lib"'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 590_000 }).trim().split('\n');
  java = found.at(-2)!;
  const jars = `${found.at(-1)!}/*`;
  // Compiled once (the java source launcher would compile on every run).
  execFileSync(path.join(path.dirname(java), 'javac'), ['-cp', jars, '-d', classesDir,
    path.join(REPO_ROOT, 'k8s/test/manifests/CheckCassandraConfig.java')], { stdio: 'pipe' });
  classpath = `${classesDir}:${jars}`;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/**
 * The local-cluster template, filled in for one node with the given auth settings and the
 * official image's commit log defaults (periodic, 10 s) in place of the template's batch.
 */
function baseConfig(authenticator: string, authorizer: string, dir: string): string {
  return readFileSync(path.join(REPO_ROOT, 'scripts/cassandra/cassandra.yaml.template'), 'utf8')
    .replace(/^commitlog_sync: batch$/m, 'commitlog_sync: periodic\ncommitlog_sync_period: 10000ms')
    .replaceAll('@AUTHENTICATOR@', authenticator).replaceAll('@AUTHORIZER@', authorizer)
    .replaceAll('@ADDRESS@', '127.0.0.1').replaceAll('@SEEDS@', '127.0.0.1:7000').replaceAll('@TOKEN@', '0')
    .replaceAll('@NODE_DIR@', dir);
}

function loadWithCassandra(yamlFile: string, nodeDir: string): string {
  const jvmFlags = readFileSync(path.join(REPO_ROOT, 'scripts/cassandra/jvm17-server.options'), 'utf8')
    .split('\n').filter((line) => line.startsWith('--add-'));
  const result = spawnSync(java, [
    ...jvmFlags, `-Dcassandra.config=file://${yamlFile}`, `-Dcassandra.storagedir=${nodeDir}`,
    '-cp', classpath, 'CheckCassandraConfig',
  ], { encoding: 'utf8', timeout: 120_000 });
  expect(result.status, result.stderr.slice(-3000)).toBe(0);
  return result.stdout;
}

describe.each([
  ['the scalar form of the project template', 'AllowAllAuthenticator', 'AllowAllAuthorizer'],
  ['the class_name mapping form Cassandra 5.0 ships', '\n  class_name: AllowAllAuthenticator', '\n  class_name: AllowAllAuthorizer'],
])('the init container on %s', (_form, authenticator, authorizer) => {
  it('produces a cassandra.yaml Cassandra 5.0 starts with password authentication, authorization and a fsynced commit log', () => {
    const dir = mkdtempSync(path.join(work, 'node-'));
    const [source, target] = [path.join(dir, 'etc'), path.join(dir, 'config')];
    mkdirSync(source);
    mkdirSync(target);
    writeFileSync(path.join(source, 'cassandra.yaml'), baseConfig(authenticator, authorizer, dir));
    const before = loadWithCassandra(path.join(source, 'cassandra.yaml'), dir);
    expect(before).toContain('requireAuthentication=false');
    expect(before).toContain('commitLogSync=periodic');

    execFileSync('sh', ['-c', renderCassandraConfigScript(source, target)], { stdio: 'pipe' });
    const after = loadWithCassandra(path.join(target, 'cassandra.yaml'), dir);
    expect(after).toContain('authenticator=org.apache.cassandra.auth.PasswordAuthenticator requireAuthentication=true');
    expect(after).toContain('authorizer=org.apache.cassandra.auth.CassandraAuthorizer requireAuthorization=true');
    expect(after).toContain('roleManager=org.apache.cassandra.auth.CassandraRoleManager');
    expect(after).toContain('commitLogSync=batch');
  });
});
