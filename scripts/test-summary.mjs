// Prints the suite's last line, "N passed, N failed", from Vitest's JSON reports plus the checks
// run outside Vitest (typecheck). A test file that failed to load counts as one failure, so a
// broken import can never turn into a green run with fewer tests; so does a skipped test.
// The host check (kube-down left the host as it was) counts as one test when it ran.
// Usage: test-summary.mjs --typecheck-failed 0|1 --setup-failed 0|1
//          [--host-check passed|failed|pending|skipped] report.json:exitCode ...
// Exit code: 0 only if everything passed.
import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { relative } from 'node:path';

const { values, positionals } = parseArgs({
  options: {
    'typecheck-failed': { type: 'string' },
    'setup-failed': { type: 'string' },
    'host-check': { type: 'string', default: 'skipped' },
  },
  allowPositionals: true,
});
let passed = 0;
let failed = 0;
for (const entry of positionals) {
  const separator = entry.lastIndexOf(':');
  const path = entry.slice(0, separator);
  const exitCode = Number(entry.slice(separator + 1));
  if (!existsSync(path)) {
    console.log(`no Vitest report at ${path} (vitest exited with ${exitCode})`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  let reportFailed = report.numFailedTests;
  // A CI log's tail is often all there is to go on: name each failed test and its first words.
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      if (test.status !== 'failed') continue;
      const reason = (test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
      console.log(`FAILED ${relative(process.cwd(), file.name)} > ${test.fullName ?? test.title}: ${reason}`);
    }
  }
  for (const file of report.testResults) {
    if (file.status === 'failed' && file.assertionResults.length === 0) {
      console.log(`failed to load: ${file.name}: ${(file.message || '').split('\n')[0]}`);
      reportFailed += 1;
    }
  }
  const skipped = report.numPendingTests + report.numTodoTests;
  if (skipped > 0) {
    console.log(`${path}: ${skipped} skipped or todo tests count as failures`);
    reportFailed += skipped;
  }
  if (exitCode !== 0 && reportFailed === 0) {
    console.log(`${path}: vitest exited with ${exitCode} (unhandled error?)`);
    reportFailed += 1;
  }
  passed += report.numPassedTests;
  failed += reportFailed;
}
if (values['typecheck-failed'] === '1') failed += 1;
else passed += 1;
const hostCheck = values['host-check'];
if (hostCheck === 'passed') passed += 1;
else if (hostCheck !== 'skipped') {
  // "pending": the snapshot after kube-down could not be taken, which is no pass either.
  console.log(`host check after kube-down: ${hostCheck}`);
  failed += 1;
}
if (values['setup-failed'] === '1') console.log('some prerequisites failed to start (see above)');
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
