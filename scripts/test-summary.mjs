// Prints the suite's last line, "N passed, N failed", from Vitest's JSON report plus the checks
// run outside Vitest (typecheck). A test file that failed to load counts as one failure, so a
// broken import can never turn into a green run with fewer tests. Exit code: 0 only if all passed.
import { readFileSync, existsSync } from 'node:fs';

const [reportPath, typecheckFailed, setupFailed, vitestStatus] = process.argv.slice(2);
let passed = 0;
let failed = 0;
if (existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  for (const file of report.testResults) {
    if (file.status === 'failed' && file.assertionResults.length === 0) {
      console.log(`failed to load: ${file.name}: ${(file.message || '').split('\n')[0]}`);
      failed += 1;
    }
  }
  const skipped = report.numPendingTests + report.numTodoTests;
  if (skipped > 0) {
    console.log(`${skipped} skipped or todo tests count as failures`);
    failed += skipped;
  }
} else {
  console.log(`no Vitest report at ${reportPath}`);
  failed += 1;
}
if (typecheckFailed === '1') failed += 1;
else passed += 1;
if (setupFailed === '1') console.log('some prerequisites failed to start (see above)');
if (Number(vitestStatus) !== 0 && failed === 0) {
  console.log(`vitest exited with ${vitestStatus}`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
