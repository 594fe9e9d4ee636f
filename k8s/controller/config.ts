import os from 'node:os';
import { DEFAULT_APP_IMAGE } from '../lib/app-image.js';
import { CASSANDRA_APP_SECRET, DEFAULT_NAMESPACE, NAMES } from '../lib/names.js';
import { DEFAULT_TIMINGS, type ElectionTimings } from './leader-election.js';
import type { JobSettings } from './job-manifest.js';

/**
 * The controller's settings: the only reader of process.env in k8s/controller. In the cluster the
 * Deployment sets every variable (k8s/lib/digit-model-controller.ts); `make controller` runs it
 * against KUBECONFIG with the defaults, which match the default chart.
 */
export interface ControllerConfig {
  readonly namespace: string;
  /** Who this replica is on the Lease: the pod name in the cluster. */
  readonly identity: string;
  readonly leaseName: string;
  readonly healthPort: number;
  readonly resyncMs: number;
  readonly timings: ElectionTimings;
  readonly jobs: JobSettings;
}

/** A variable is set to something the controller cannot use: it does not start. */
export class ControllerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControllerConfigError';
  }
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

export function loadControllerConfig(env: Readonly<Record<string, string | undefined>> = process.env): ControllerConfig {
  const text = (name: string, fallback: string) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? fallback : value.trim();
  };
  const integer = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new ControllerConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
    return value;
  };
  const pullPolicy = env.LIFECYCLE_IMAGE_PULL_POLICY;
  if (pullPolicy !== undefined && pullPolicy !== '' && !(PULL_POLICIES as readonly string[]).includes(pullPolicy)) {
    throw new ControllerConfigError(`LIFECYCLE_IMAGE_PULL_POLICY must be one of ${PULL_POLICIES.join(', ')}, got "${pullPolicy}"`);
  }
  const serviceUrl = httpUrl('LIFECYCLE_SERVICE_URL', env.LIFECYCLE_SERVICE_URL);
  const timings: ElectionTimings = {
    leaseDurationMs: integer('CONTROLLER_LEASE_DURATION_MS', DEFAULT_TIMINGS.leaseDurationMs, 1000),
    renewDeadlineMs: integer('CONTROLLER_RENEW_DEADLINE_MS', DEFAULT_TIMINGS.renewDeadlineMs, 500),
    retryPeriodMs: integer('CONTROLLER_RETRY_PERIOD_MS', DEFAULT_TIMINGS.retryPeriodMs, 100),
  };
  if (!(timings.retryPeriodMs < timings.renewDeadlineMs && timings.renewDeadlineMs < timings.leaseDurationMs)) {
    throw new ControllerConfigError('CONTROLLER_RETRY_PERIOD_MS < CONTROLLER_RENEW_DEADLINE_MS < CONTROLLER_LEASE_DURATION_MS must hold');
  }
  return {
    namespace: text('CONTROLLER_NAMESPACE', DEFAULT_NAMESPACE),
    identity: text('CONTROLLER_IDENTITY', `${os.hostname()}-${process.pid}`),
    leaseName: text('CONTROLLER_LEASE', NAMES.controller),
    healthPort: integer('CONTROLLER_HEALTH_PORT', 8080, 0),
    resyncMs: integer('CONTROLLER_RESYNC_MS', 15_000, 100),
    timings,
    jobs: {
      image: text('LIFECYCLE_IMAGE', DEFAULT_APP_IMAGE),
      imagePullPolicy: pullPolicy === undefined || pullPolicy === '' ? undefined : (pullPolicy as JobSettings['imagePullPolicy']),
      configMapName: text('LIFECYCLE_CONFIG_MAP', NAMES.digitsConfig),
      appSecretName: text('LIFECYCLE_CASSANDRA_CREDENTIALS', CASSANDRA_APP_SECRET.name),
      serviceUrl,
    },
  };
}

/** An http(s) URL without a trailing slash, or undefined when unset. */
function httpUrl(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ControllerConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw.trim().replace(/\/+$/, '');
}
