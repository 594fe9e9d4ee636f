import { PART_OF, LABEL_COMPONENT, LABEL_NAME, LABEL_PART_OF, type GeneratedSecret } from './names.js';

/**
 * Helm template for the Secrets the deployer would otherwise generate (GENERATED_SECRETS): under
 * `helm install` there is no deployer. `lookup` keeps the values of a Secret that already exists,
 * so `helm upgrade` never rotates a password the ring was initialised with; `randAlphaNum` makes
 * new ones. `helm.sh/resource-policy: keep` leaves them on `helm uninstall`, like the
 * PersistentVolumeClaims: data and the password it was written under stay together.
 * (`helm template` cannot look anything up and renders fresh random values each time.)
 */
export function renderSecretsTemplate(secrets: readonly GeneratedSecret[], namespaceValuePath: string): string {
  const documents = secrets.map((secret, index) => {
    const existing = `$existing${index}`;
    const data = secret.keys.map((key) => {
      const fresh = key.value !== undefined
        ? `${JSON.stringify(key.value)} | b64enc`
        : `randAlphaNum ${requireLength(secret, key.randomLength)} | b64enc`;
      return `  ${key.key}: {{ if ${existing} }}{{ index ${existing}.data ${JSON.stringify(key.key)} | quote }}{{ else }}{{ ${fresh} | quote }}{{ end }}`;
    });
    return [
      `{{- ${existing} := lookup "v1" "Secret" .Values.${namespaceValuePath} ${JSON.stringify(secret.name)} }}`,
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      `  name: ${secret.name}`,
      `  namespace: {{ .Values.${namespaceValuePath} | quote }}`,
      '  labels:',
      `    ${LABEL_PART_OF}: ${PART_OF}`,
      `    ${LABEL_COMPONENT}: ${secret.component}`,
      `    ${LABEL_NAME}: ${secret.name}`,
      '  annotations:',
      '    helm.sh/resource-policy: keep',
      'type: Opaque',
      'data:',
      ...data,
    ].join('\n');
  });
  return `${documents.join('\n---\n')}\n`;
}

function requireLength(secret: GeneratedSecret, length: number | undefined): number {
  if (length === undefined || !Number.isInteger(length) || length < 16) {
    throw new Error(`Secret ${secret.name}: a key needs a fixed value or randomLength >= 16`);
  }
  return length;
}
