import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { DIGIT_MODEL_SCHEMA } from './digit-model-schema.js';
import { componentLabels } from './names.js';

/**
 * Where DigitModels live in the API: the CRD below serves them, the controller
 * (k8s/controller) reads and writes them there. One place, so a rename happens once.
 */
export const DIGIT_MODEL_API = {
  group: 'mnist-k8s.dev',
  version: 'v1alpha1',
  kind: 'DigitModel',
  plural: 'digitmodels',
  singular: 'digitmodel',
  shortNames: ['dm'],
} as const;

/** `mnist-k8s.dev/v1alpha1`: the apiVersion of a DigitModel object. */
export const DIGIT_MODEL_API_VERSION = `${DIGIT_MODEL_API.group}/${DIGIT_MODEL_API.version}`;

/** `digitmodels.mnist-k8s.dev`: the CRD's name, as the API server requires it. */
export const DIGIT_MODEL_CRD_NAME = `${DIGIT_MODEL_API.plural}.${DIGIT_MODEL_API.group}`;

/**
 * The CustomResourceDefinition of DigitModel: the desired model of the digits service (a version
 * to make active, or "retrain from corrections" with its gates and canary), reconciled by the
 * DigitModel controller. Namespaced, one version, status as a subresource (so `spec` changes bump
 * the generation and the controller's status writes do not), and the columns
 * `kubectl get digitmodels` prints. Cluster-scoped itself: the chart must not stamp a namespace
 * on it (see chart.ts).
 */
export class DigitModelCrd extends Construct {
  public readonly crd: ApiObject;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { group, version, kind, plural, singular, shortNames } = DIGIT_MODEL_API;
    this.crd = new ApiObject(this, 'crd', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: DIGIT_MODEL_CRD_NAME, labels: componentLabels('controller', DIGIT_MODEL_CRD_NAME) },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind, listKind: `${kind}List`, plural, singular, shortNames: [...shortNames] },
        versions: [{
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: DIGIT_MODEL_SCHEMA },
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Active', type: 'string', jsonPath: '.status.activeVersion' },
            { name: 'Candidate', type: 'string', jsonPath: '.status.candidateVersion' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        }],
      },
    });
  }
}
