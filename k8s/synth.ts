/**
 * `make synth`: writes k8s/dist/mnist-k8s.k8s.yaml and the Helm chart under charts/mnist-k8s/
 * from the cdk8s constructs. Both are committed; CI fails when re-running changes them.
 */
import { writeGenerated } from './synthesize.js';

const written = writeGenerated();
process.stdout.write(`synth: wrote ${written.length} files\n${written.map((file) => `  ${file}`).join('\n')}\n`);
