import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { canaryArgs, retrainArgs } from '../controller/lifecycle-args.js';
import type { CanarySpec, GateSpec, RetrainSpec } from '../controller/digit-model.js';
import { DIGIT_MODEL_CRD_NAME, DigitModelCrd } from './digit-model-crd.js';
import { DIGIT_MODEL_PHASES } from './digit-model-schema.js';

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; enum?: string[]; [key: string]: unknown };

function synthCrd() {
  const chart = new Chart(Testing.app(), 'crd');
  new DigitModelCrd(chart, 'digit-model-crd');
  const [crd] = Testing.synth(chart);
  const version = crd.spec.versions[0];
  return { crd, version, schema: version.schema.openAPIV3Schema as Schema };
}

/** Every field the controller reads, with a value: the schema must accept each by name. */
const RETRAIN: Required<RetrainSpec> = { epochs: 2, seed: 1, mnistSample: 6000, from: 'v1' };
const GATES: Required<GateSpec> = { maxMnistDrop: 0.001, minAgreement: 0.97, maxP99Ms: 50 };
const CANARY: Required<CanarySpec> = { weight: 0.1, durationSeconds: 60 };

describe('the DigitModel CRD', () => {
  it('serves one namespaced version with a status subresource and the columns kubectl prints', () => {
    const { crd, version } = synthCrd();
    expect(crd.metadata.name).toBe(DIGIT_MODEL_CRD_NAME);
    expect(crd.spec).toMatchObject({ group: 'mnist-k8s.dev', scope: 'Namespaced', names: { kind: 'DigitModel', plural: 'digitmodels' } });
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    expect(version.additionalPrinterColumns.map((c: { name: string; jsonPath: string }) => `${c.name}=${c.jsonPath}`)).toEqual([
      'Phase=.status.phase', 'Active=.status.activeVersion', 'Candidate=.status.candidateVersion', 'Age=.metadata.creationTimestamp',
    ]);
  });

  it('describes every spec field the controller turns into CLI flags, and no other', () => {
    const spec = synthCrd().schema.properties!.spec!;
    expect(Object.keys(spec.properties!).sort()).toEqual(['canary', 'gates', 'retrain', 'version']);
    expect(Object.keys(spec.properties!.retrain!.properties!).sort()).toEqual(Object.keys(RETRAIN).sort());
    expect(Object.keys(spec.properties!.gates!.properties!).sort()).toEqual(Object.keys(GATES).sort());
    expect(Object.keys(spec.properties!.canary!.properties!).sort()).toEqual(Object.keys(CANARY).sort());
    // Each one reaches the command line.
    expect(retrainArgs(RETRAIN)).toEqual(['--epochs', '2', '--seed', '1', '--mnist-sample', '6000', '--from', 'v1']);
    expect(canaryArgs('v2', CANARY, GATES)).toEqual([
      'v2', '--weight', '0.1', '--duration', '60', '--max-mnist-drop', '0.1', '--min-agreement', '0.97', '--max-p99-ms', '50',
    ]);
    // The CLI's --epochs, --seed and --mnist-sample take positive integers: the CRD admits no
    // value a Job would then refuse.
    for (const field of ['epochs', 'seed', 'mnistSample']) {
      const schema = spec.properties!.retrain!.properties![field]!;
      expect(schema.type, field).toBe('integer');
      expect(schema.minimum, field).toBeGreaterThanOrEqual(1);
    }
    expect(spec['x-kubernetes-validations']).toEqual([{ rule: 'has(self.version) != has(self.retrain)', message: 'set exactly one of spec.version and spec.retrain' }]);
  });

  it('has a status the controller can write: phases, map-keyed conditions, versions, free-form figures, Job names', () => {
    const status = synthCrd().schema.properties!.status!;
    expect(status.properties!.phase!.enum).toEqual([...DIGIT_MODEL_PHASES]);
    const conditions = status.properties!.conditions!;
    expect(conditions).toMatchObject({ type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
    expect(Object.keys(conditions.items!.properties!).sort()).toEqual(['lastTransitionTime', 'message', 'observedGeneration', 'reason', 'status', 'type']);
    expect(status.properties!.figures).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    expect(Object.keys(status.properties!.jobs!.properties!).sort()).toEqual(['canary', 'promote', 'retrain']);
    expect(Object.keys(status.properties!).sort()).toEqual(['activeVersion', 'candidateVersion', 'conditions', 'figures', 'jobs', 'observedGeneration', 'phase']);
  });
});
