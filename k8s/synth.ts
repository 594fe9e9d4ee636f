/**
 * Entry point of `make synth` (`tsx k8s/synth.ts`): writes k8s/dist/mnist-k8s.k8s.yaml and the
 * Helm chart under charts/mnist-k8s/ from the cdk8s constructs (what it writes:
 * generated-files.ts; how values.yaml reaches the objects: helm-values.ts). Both outputs are
 * committed; a test fails when re-running changes them.
 */
import { writeGenerated } from './generated-files.js';

const written = writeGenerated();
process.stdout.write(`synth: wrote ${written.length} files\n${written.map((file) => `  ${file}`).join('\n')}\n`);
