import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CASSANDRA_AUTHORIZER, COMMITLOG_SYNC, PASSWORD_AUTHENTICATOR, renderCassandraConfigScript } from './cassandra-config-script.js';

/** Runs the init container's script with `sh` on a copy of `cassandraYaml`; returns the parsed result. */
function configure(cassandraYaml: string): { config: Record<string, unknown>; text: string; targetDir: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'cassandra-conf-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const sourceDir = path.join(root, 'etc-cassandra');
  const targetDir = path.join(root, 'config');
  execFileSync('mkdir', ['-p', sourceDir, targetDir]);
  writeFileSync(path.join(sourceDir, 'cassandra.yaml'), cassandraYaml);
  writeFileSync(path.join(sourceDir, 'cassandra-rackdc.properties'), 'dc=dc1\nrack=rack1\n');
  execFileSync('sh', ['-c', renderCassandraConfigScript(sourceDir, targetDir)], { stdio: 'pipe' });
  const text = readFileSync(path.join(targetDir, 'cassandra.yaml'), 'utf8');
  return { config: yaml.load(text) as Record<string, unknown>, text, targetDir };
}

/** The shape Cassandra 5.0's own conf/cassandra.yaml uses: `class_name` mappings, commented alternatives. */
const MAPPING_FORM = `cluster_name: 'Test Cluster'
authenticator:
  class_name : org.apache.cassandra.auth.AllowAllAuthenticator
# MutualTlsAuthenticator can be configured using the following configuration.
#  class_name: org.apache.cassandra.auth.MutualTlsAuthenticator

authorizer:
  class_name: AllowAllAuthorizer

role_manager:
  class_name: CassandraRoleManager
  parameters:
    # invalid_role_disconnect_task_period: 4h
roles_validity: 2000ms
`;

describe('the Cassandra config init script', () => {
  it('turns on password authentication and CassandraAuthorizer in the class_name mapping form', () => {
    const { config } = configure(MAPPING_FORM);
    expect(config.authenticator).toEqual({ class_name: PASSWORD_AUTHENTICATOR });
    expect(config.authorizer).toEqual({ class_name: CASSANDRA_AUTHORIZER });
    expect(config.role_manager).toEqual({ class_name: 'CassandraRoleManager', parameters: null });
    expect(config.cluster_name).toBe('Test Cluster');
    expect(config.roles_validity).toBe('2000ms');
  });

  it('replaces the scalar form of the project\'s local-cluster template, leaving every other setting as it was', () => {
    const template = readFileSync(new URL('../../scripts/cassandra/cassandra.yaml.template', import.meta.url), 'utf8')
      .replaceAll('@AUTHENTICATOR@', 'AllowAllAuthenticator').replaceAll('@AUTHORIZER@', 'AllowAllAuthorizer');
    const before = yaml.load(template.replace(/@[A-Z_]+@/g, 'x')) as Record<string, unknown>;
    const { config } = configure(template.replace(/@[A-Z_]+@/g, 'x'));
    expect(config.authenticator).toEqual({ class_name: PASSWORD_AUTHENTICATOR });
    expect(config.authorizer).toEqual({ class_name: CASSANDRA_AUTHORIZER });
    expect({ ...config, authenticator: null, authorizer: null }).toEqual({ ...before, authenticator: null, authorizer: null });
  });

  it('appends the settings when the file has none, and copies the other config files', () => {
    const { config, targetDir } = configure('cluster_name: x\n');
    expect(config).toEqual({
      cluster_name: 'x',
      authenticator: { class_name: PASSWORD_AUTHENTICATOR },
      authorizer: { class_name: CASSANDRA_AUTHORIZER },
      commitlog_sync: COMMITLOG_SYNC,
    });
    expect(readFileSync(path.join(targetDir, 'cassandra-rackdc.properties'), 'utf8')).toContain('dc=dc1');
  });

  it('keeps commented-out lines and does not duplicate keys when run on its own output', () => {
    const once = configure(MAPPING_FORM).text;
    const twice = configure(once).text;
    expect(twice).toBe(once);
    expect(once.match(/^authenticator:/gm)).toHaveLength(1);
    expect(once).toContain('#  class_name: org.apache.cassandra.auth.MutualTlsAuthenticator');
  });

  it('switches the image\'s periodic commit log to batch (fsync before acknowledging) and drops the period batch refuses', () => {
    const { config, text } = configure(`${MAPPING_FORM}commitlog_sync: periodic\ncommitlog_sync_period: 10000ms\n# commitlog_sync_group_window: 1000ms\n`);
    expect(config.commitlog_sync).toBe('batch');
    expect(config).not.toHaveProperty('commitlog_sync_period');
    expect(text).toContain('# commitlog_sync_group_window: 1000ms');
  });
});
