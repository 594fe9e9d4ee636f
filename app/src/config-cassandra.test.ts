import { describe, expect, it } from 'vitest';
import { loadBootstrapConfig, loadConfig } from './config.js';
import { ConfigError } from './errors.js';

const POINTS = { CASSANDRA_CONTACT_POINTS: '127.0.0.1, 127.0.0.2,127.0.0.3' };

describe('Cassandra settings', () => {
  it('uses the store defaults: LOCAL_QUORUM, a 1 s write bound, 60 s to reach the cluster at start', () => {
    const cassandra = loadConfig(POINTS).cassandra;
    expect(cassandra).toMatchObject({
      contactPoints: ['127.0.0.1', '127.0.0.2', '127.0.0.3'],
      localDataCenter: 'datacenter1',
      keyspace: 'mnist',
      consistency: 'LOCAL_QUORUM',
      writeTimeoutMs: 1_000,
      startupTimeoutMs: 60_000,
    });
    expect(loadConfig({ ...POINTS, CASSANDRA_WRITE_TIMEOUT_MS: '250' }).cassandra?.writeTimeoutMs).toBe(250);
    expect(() => loadConfig({ ...POINTS, CASSANDRA_WRITE_TIMEOUT_MS: 'soon' })).toThrow(/CASSANDRA_WRITE_TIMEOUT_MS/);
  });

  it('gives bootstrap three nodes, replication factor 3 and no app role by default', () => {
    expect(loadBootstrapConfig(POINTS)).toMatchObject({
      expectedNodes: 3,
      replicationFactor: 3,
      appUsername: undefined,
      appPassword: undefined,
      timeoutMs: 300_000,
    });
  });

  it('refuses bootstrap without contact points, naming the variable', () => {
    expect(() => loadBootstrapConfig({})).toThrow(ConfigError);
    expect(() => loadBootstrapConfig({})).toThrow(/CASSANDRA_CONTACT_POINTS/);
  });

  it('wants the app username and password together, and the username a plain identifier', () => {
    expect(() => loadBootstrapConfig({ ...POINTS, CASSANDRA_APP_USERNAME: 'app' })).toThrow(/CASSANDRA_APP_USERNAME and CASSANDRA_APP_PASSWORD/);
    expect(() => loadBootstrapConfig({ ...POINTS, CASSANDRA_APP_USERNAME: 'app; DROP', CASSANDRA_APP_PASSWORD: 'x' })).toThrow(/lower-case CQL identifier/);
    expect(loadBootstrapConfig({ ...POINTS, CASSANDRA_APP_USERNAME: 'digits_app', CASSANDRA_APP_PASSWORD: "it's" })).toMatchObject({
      appUsername: 'digits_app',
      appPassword: "it's",
    });
  });

  it('bounds the replication factor and expected nodes', () => {
    expect(() => loadBootstrapConfig({ ...POINTS, CASSANDRA_REPLICATION_FACTOR: '0' })).toThrow(/CASSANDRA_REPLICATION_FACTOR/);
    expect(() => loadBootstrapConfig({ ...POINTS, CASSANDRA_EXPECTED_NODES: 'three' })).toThrow(/CASSANDRA_EXPECTED_NODES/);
  });
});
