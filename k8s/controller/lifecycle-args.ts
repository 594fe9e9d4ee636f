import { createHash } from 'node:crypto';
import type { LifecycleStep } from '../lib/lifecycle-job.js';
import type { CanarySpec, GateSpec, RetrainSpec } from './digit-model.js';

/**
 * The app's lifecycle CLI in its own flag syntax (docs/model-lifecycle.md), from a DigitModel's
 * spec, and the names of the Jobs that run it. Flags are passed only when the spec sets them,
 * so the CLI's own defaults hold otherwise.
 */

/** `retrain [--epochs N] [--seed S] [--mnist-sample N] [--from VERSION]` */
export function retrainArgs(retrain: RetrainSpec): string[] {
  return [
    ...flag('--epochs', retrain.epochs),
    ...flag('--seed', retrain.seed),
    ...flag('--mnist-sample', retrain.mnistSample),
    ...flag('--from', retrain.from),
  ];
}

/**
 * `canary VERSION [--weight W] [--duration S]`, plus the gate thresholds the spec sets
 * (`--max-mnist-drop`, `--min-agreement`, `--max-p99-ms`: the names of the app's GateThresholds).
 * The spec gives the MNIST drop as a share like every other rate; the CLI takes it in points.
 */
export function canaryArgs(version: string, canary: CanarySpec, gates: GateSpec): string[] {
  return [
    version,
    ...flag('--weight', canary.weight),
    ...flag('--duration', canary.durationSeconds),
    ...flag('--max-mnist-drop', gates.maxMnistDrop === undefined ? undefined : sharePoints(gates.maxMnistDrop)),
    ...flag('--min-agreement', gates.minAgreement),
    ...flag('--max-p99-ms', gates.maxP99Ms),
  ];
}

/**
 * The canary step's args plus `--service-url URL` when the controller knows the app's Service.
 * It is a fact of the deployment, not of a DigitModel's spec, so it is added where the Job is
 * made rather than by the reconciler; the other steps do not take it.
 */
export function withServiceUrl(request: { readonly step: string; readonly args: readonly string[] }, serviceUrl: string | undefined): string[] {
  return request.step === 'canary' && serviceUrl !== undefined ? [...request.args, '--service-url', serviceUrl] : [...request.args];
}

/** `promote VERSION` */
export function promoteArgs(version: string): string[] {
  return [version];
}

/** 0.001 -> 0.1 (points), without binary-fraction noise such as 0.30000000000000004. */
function sharePoints(share: number): number {
  return Number((share * 100).toPrecision(12));
}

function flag(name: string, value: string | number | undefined): string[] {
  return value === undefined || value === null ? [] : [name, String(value)];
}

/**
 * Room left in a Job name: the Job controller names its pods `<job>-<5 chars>` and labels them
 * with the Job's name, and a label value holds at most 63 characters.
 */
const MAX_JOB_NAME = 52;

/**
 * The Job of one step of one generation of a DigitModel: `<model>-<step>-g<generation>`. Fixed
 * by its inputs, so a reconcile that runs twice (a crash between creating the Job and writing
 * status, a new leader) finds the Job the first one created instead of starting another.
 * Long model names are cut and made unique again by a hash.
 */
export function jobName(modelName: string, step: LifecycleStep, generation: number): string {
  const suffix = `-${step}-g${generation}`;
  const full = `${modelName}${suffix}`;
  if (full.length <= MAX_JOB_NAME) return full;
  const hash = createHash('sha256').update(modelName).digest('hex').slice(0, 6);
  const room = MAX_JOB_NAME - suffix.length - hash.length - 1;
  return `${modelName.slice(0, room).replace(/-+$/, '')}-${hash}${suffix}`;
}
