/**
 * The OpenAPI v3 schema of a DigitModel, as the API server stores it in the CRD. Plain JSON
 * (with the `x-kubernetes-*` keys as the API server spells them) rather than cdk8s's
 * JsonSchemaProps: that type converts only some nested levels to their wire names. The shapes
 * the controller reads and writes are in k8s/controller/digit-model.ts; a unit test keeps the two
 * in step.
 */

type Schema = Record<string, unknown>;

const text = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const integer = (description: string, minimum: number, maximum?: number): Schema =>
  ({ type: 'integer', description, minimum, ...(maximum === undefined ? {} : { maximum }) });
const share = (description: string): Schema => ({ type: 'number', description, minimum: 0, maximum: 1 });

/** The desired state: a version to make active, or a retrain from the stored corrections. */
const SPEC: Schema = {
  type: 'object',
  description: 'Exactly one of version and retrain.',
  properties: {
    version: text('Version to make active (mnist promote VERSION).', { minLength: 1, maxLength: 128 }),
    retrain: {
      type: 'object',
      description: 'Fine-tune the active version on MNIST plus the stored corrections (mnist retrain), then judge it (gates, canary).',
      properties: {
        epochs: integer('Fine-tuning epochs (--epochs).', 1, 100),
        seed: integer('Seed of the run, for reproducibility (--seed).', 1, 2_147_483_647),
        mnistSample: integer('MNIST training examples mixed with the corrections (--mnist-sample).', 100, 60_000),
        from: text('Version to fine-tune (--from); default the active one.', { minLength: 1, maxLength: 128 }),
      },
    },
    gates: {
      type: 'object',
      description: 'Thresholds of the gates the candidate passes before the canary; unset ones keep the CLI defaults.',
      properties: {
        maxMnistDrop: share('Largest drop of MNIST test accuracy below the active version, as a share (0.001 = 0.1 point).'),
        minAgreement: share('Smallest share of recorded inputs on which candidate and active agree.'),
        maxP99Ms: { type: 'number', description: "Largest p99 of the candidate's model call, ms.", minimum: 0 },
      },
    },
    canary: {
      type: 'object',
      description: 'The weighted canary after the gates.',
      properties: {
        weight: { type: 'number', description: 'Share of live predictions the candidate answers.', exclusiveMinimum: true, minimum: 0, exclusiveMaximum: true, maximum: 1 },
        durationSeconds: integer('How long the canary runs before it is promoted.', 1, 86_400),
      },
    },
  },
  'x-kubernetes-validations': [{ rule: 'has(self.version) != has(self.retrain)', message: 'set exactly one of spec.version and spec.retrain' }],
};

const CONDITION: Schema = {
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime'],
  properties: {
    type: text('Progressing, Retrained or Ready.'),
    status: text('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    reason: text('CamelCase reason, e.g. GateRejected.'),
    message: text('What happened, for people.'),
    lastTransitionTime: text('When status last changed.', { format: 'date-time' }),
    observedGeneration: { type: 'integer', format: 'int64', description: 'The generation the condition was set for.' },
  },
};

/** Phases a DigitModel goes through; the last four are final until its spec changes. */
export const DIGIT_MODEL_PHASES = ['Pending', 'Retraining', 'Canary', 'Promoting', 'Succeeded', 'Rejected', 'RolledBack', 'Failed'] as const;

/** What the controller records: phase, conditions, versions, figures, its Jobs. */
const STATUS: Schema = {
  type: 'object',
  properties: {
    phase: text('Where the rollout is.', { enum: [...DIGIT_MODEL_PHASES] }),
    observedGeneration: { type: 'integer', format: 'int64', description: 'The spec generation this status is about.' },
    conditions: { type: 'array', items: CONDITION, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
    activeVersion: text('The version serving, as the last Job reported it.'),
    candidateVersion: text('The version the retrain produced.'),
    figures: {
      type: 'object',
      description: 'The figures the Jobs reported (retrain, canary, promote), as they printed them.',
      'x-kubernetes-preserve-unknown-fields': true,
    },
    jobs: {
      type: 'object',
      description: 'Names of the Jobs run for this generation.',
      properties: { retrain: text('Retrain Job.'), canary: text('Canary Job.'), promote: text('Promote Job.') },
    },
  },
};

/** The schema of the one served version. */
export const DIGIT_MODEL_SCHEMA: Schema = {
  type: 'object',
  properties: { spec: SPEC, status: STATUS },
  required: ['spec'],
};
