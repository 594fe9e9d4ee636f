import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_DIR, MANIFEST_FILE, REPO_ROOT, writeGenerated } from '../../generated-files.js';

/** Every file under `dir`, relative to it, sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(dir, path.join(prefix, entry.name)) : [path.join(prefix, entry.name)]))
    .sort();
}

describe('the committed generated files', () => {
  const freshRoot = mkdtempSync(path.join(tmpdir(), 'mnist-synth-'));
  const written = writeGenerated(freshRoot);
  afterAll(() => rmSync(freshRoot, { recursive: true, force: true }));

  it('include the manifests and a Helm chart', () => {
    expect(written).toContain(MANIFEST_FILE);
    expect(written).toContain(`${CHART_DIR}/Chart.yaml`);
    expect(written).toContain(`${CHART_DIR}/templates/secrets.yaml`);
  });

  it.each(['manifests', 'chart'])('are what `make synth` generates now (%s): re-run it and commit when this fails', (which) => {
    const relativeFiles = which === 'manifests' ? [MANIFEST_FILE] : listFiles(path.join(freshRoot, CHART_DIR)).map((f) => path.join(CHART_DIR, f));
    if (which === 'chart') {
      expect(listFiles(path.join(REPO_ROOT, CHART_DIR)), 'files under charts/mnist-k8s').toEqual(listFiles(path.join(freshRoot, CHART_DIR)));
    }
    for (const file of relativeFiles) {
      const committed = readFileSync(path.join(REPO_ROOT, file), 'utf8');
      expect(committed, `${file} differs from a fresh synth`).toBe(readFileSync(path.join(freshRoot, file), 'utf8'));
    }
  });

  it('hold no Secret and no secret value: passwords exist only once the deployer or Helm generates them', () => {
    const manifests = readFileSync(path.join(REPO_ROOT, MANIFEST_FILE), 'utf8');
    expect(manifests).not.toMatch(/^kind: Secret$/m);
    expect(manifests).not.toMatch(/PASSWORD\n\s+value:/);
    const templatesDir = path.join(REPO_ROOT, CHART_DIR, 'templates');
    for (const file of listFiles(templatesDir).filter((f) => f !== 'secrets.yaml')) {
      expect(readFileSync(path.join(templatesDir, file), 'utf8'), file).not.toMatch(/^kind: Secret$/m);
    }
    const secretData = readFileSync(path.join(templatesDir, 'secrets.yaml'), 'utf8').split('\n').filter((line) => /^ {2}(username|password):/.test(line));
    expect(secretData).toHaveLength(4);
    for (const line of secretData) {
      expect(line).toMatch(/^ {2}\w+: \{\{ if \$existing\d \}\}\{\{ index \$existing\d\.data "\w+" \| quote \}\}\{\{ else \}\}\{\{ ("\w+"|randAlphaNum \d+) \| b64enc \| quote \}\}\{\{ end \}\}$/);
    }
  });
});
