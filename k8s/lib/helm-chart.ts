import yaml from 'js-yaml';

/**
 * Turns synthesized Kubernetes objects into Helm templates. The chart is synthesized a second
 * time with a unique placeholder for every exposed value (e.g. replicas 900003); each placeholder
 * found in the objects becomes `{{ .Values.<path> }}`. So the templates are the very objects
 * `make synth` writes, and `helm template` with the default values renders them again.
 */

/** One value of values.yaml and the placeholder that marks where it goes. */
export interface HelmValue {
  /** Dotted path under .Values, at most two levels, e.g. `cassandra.replicas`. */
  readonly path: string;
  readonly defaultValue: string | number | boolean;
  /** Synthesized in place of the value; unique in the output. Absent: used by hand-written templates only. */
  readonly placeholder?: string | number;
  /** One line for values.yaml. */
  readonly comment: string;
}

const MARKER = /["']?__HELM_VALUE_(\d+)_(raw|quote)__["']?/g;

/** Replaces placeholders in one object (deeply); records the paths it used. Throws on partial matches. */
export function templatizeObject(value: unknown, values: readonly HelmValue[], used: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => templatizeObject(item, values, used));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, templatizeObject(item, values, used)]));
  }
  for (const [index, helmValue] of values.entries()) {
    if (helmValue.placeholder === undefined) continue;
    const placeholderText = String(helmValue.placeholder);
    if (value === helmValue.placeholder || value === placeholderText) {
      used.add(helmValue.path);
      const asNumber = typeof value === 'number';
      return `__HELM_VALUE_${index}_${asNumber ? 'raw' : 'quote'}__`;
    }
    if (typeof value === 'string' && value.includes(placeholderText)) {
      throw new Error(`placeholder of ${helmValue.path} is embedded in "${value}": only whole values can be templated`);
    }
  }
  return value;
}

/** YAML of one templatized object, markers turned into Helm actions. */
export function renderTemplate(object: unknown, values: readonly HelmValue[]): string {
  const text = yaml.dump(object, { lineWidth: -1, noRefs: true });
  return text.replace(MARKER, (_match, index: string, kind: string) => {
    const helmValue = values[Number(index)];
    if (helmValue === undefined) throw new Error(`unknown helm marker ${index}`);
    return kind === 'raw' ? `{{ .Values.${helmValue.path} }}` : `{{ .Values.${helmValue.path} | quote }}`;
  });
}

/** values.yaml: every value with its comment, grouped by first path segment. */
export function renderValuesYaml(values: readonly HelmValue[]): string {
  const lines: string[] = [];
  const groups = new Map<string, HelmValue[]>();
  for (const value of values) {
    const [head, ...rest] = value.path.split('.');
    if (head === undefined || rest.length > 1) throw new Error(`helm value path too deep: ${value.path}`);
    const key = rest.length === 0 ? '' : head;
    groups.set(key, [...(groups.get(key) ?? []), value]);
  }
  const scalar = (v: string | number | boolean) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  for (const value of groups.get('') ?? []) lines.push(`# ${value.comment}`, `${value.path}: ${scalar(value.defaultValue)}`);
  for (const [group, members] of groups) {
    if (group === '') continue;
    lines.push(`${group}:`);
    for (const value of members) {
      lines.push(`  # ${value.comment}`, `  ${value.path.split('.')[1]}: ${scalar(value.defaultValue)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** File name of an object's template: `<kind>-<name>.yaml`, lower case. */
export function templateFileName(object: { kind?: unknown; metadata?: { name?: unknown } }, fallbackName: string): string {
  const kind = String(object.kind ?? 'object').toLowerCase();
  const name = typeof object.metadata?.name === 'string' && !object.metadata.name.includes('__HELM_VALUE_')
    ? object.metadata.name
    : fallbackName;
  return `${kind}-${name}.yaml`;
}
