import { describe, expect, it } from 'vitest';
import { ControllerConfigError, loadControllerConfig } from './config.js';

describe('the controller config', () => {
  it('defaults to the default chart: namespace mnist, its Lease, the app image, ConfigMap and Secret', () => {
    const config = loadControllerConfig({});
    expect(config).toMatchObject({
      namespace: 'mnist',
      leaseName: 'digitmodel-controller',
      healthPort: 8080,
      timings: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
      jobs: { image: 'mnist-k8s:local', configMapName: 'digits-config', appSecretName: 'cassandra-app', imagePullPolicy: undefined, serviceUrl: undefined },
    });
    expect(config.identity).toMatch(/-\d+$/);
  });

  it('reads what the Deployment sets', () => {
    const config = loadControllerConfig({
      CONTROLLER_NAMESPACE: 'prod', CONTROLLER_IDENTITY: 'digitmodel-controller-abc', LIFECYCLE_IMAGE: 'registry/mnist:1',
      LIFECYCLE_CONFIG_MAP: 'cfg', LIFECYCLE_CASSANDRA_CREDENTIALS: 'creds', LIFECYCLE_IMAGE_PULL_POLICY: 'Always', CONTROLLER_HEALTH_PORT: '0',
      LIFECYCLE_SERVICE_URL: 'http://digits:80/',
    });
    expect(config).toMatchObject({ namespace: 'prod', identity: 'digitmodel-controller-abc', healthPort: 0 });
    expect(config.jobs).toEqual({ image: 'registry/mnist:1', configMapName: 'cfg', appSecretName: 'creds', imagePullPolicy: 'Always', serviceUrl: 'http://digits:80' });
  });

  it.each([
    [{ CONTROLLER_RESYNC_MS: '5s' }, 'CONTROLLER_RESYNC_MS must be an integer >= 100, got "5s"'],
    [{ LIFECYCLE_IMAGE_PULL_POLICY: 'Sometimes' }, 'LIFECYCLE_IMAGE_PULL_POLICY must be one of Always, IfNotPresent, Never, got "Sometimes"'],
    [{ LIFECYCLE_SERVICE_URL: 'digits:80' }, 'LIFECYCLE_SERVICE_URL must be an http(s) URL, got "digits:80"'],
    [{ CONTROLLER_RENEW_DEADLINE_MS: '20000' }, 'CONTROLLER_RETRY_PERIOD_MS < CONTROLLER_RENEW_DEADLINE_MS < CONTROLLER_LEASE_DURATION_MS must hold'],
  ])('refuses to start on %o, naming the variable', (env, message) => {
    expect(() => loadControllerConfig(env)).toThrow(new ControllerConfigError(message));
  });
});
