/**
 * How a lifecycle Job hands its result to the controller: through the container's termination
 * message. The app's lifecycle commands print one JSON line last (docs/model-lifecycle.md); this
 * script, run by the image's node as `node -e RESULT_SCRIPT <message file> <cli.js> <args...>`,
 * runs the command, passes its output through, and writes that last line to the message file
 * (/dev/termination-log). The kubelet copies the file into the pod's status, so the controller
 * reads the result from the pod object: no pods/log permission, no log parsing, and it survives
 * log rotation. When the command fails without a JSON line, nothing is written and the kubelet
 * falls back to the log's tail (terminationMessagePolicy: FallbackToLogsOnError).
 *
 * A script rather than a change to the app: the app's CLI keeps one contract (a JSON line last),
 * and the channel stays a Kubernetes concern.
 */

/** The kubelet reads at most this many bytes of a termination message. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

/** Where the kubelet looks for the message (the Kubernetes default terminationMessagePath). */
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/**
 * CommonJS for `node -e`. A result too large for the message keeps its scalar fields and says it
 * was cut (`truncated: true`), so the decision and the version still reach the controller.
 */
export const RESULT_SCRIPT = `
const { spawn } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const [messageFile, ...command] = process.argv.slice(1);
const child = spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => { process.stdout.write(chunk); tail = (tail + chunk.toString('utf8')).slice(-262144); });
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
child.on('close', (code) => {
  const last = tail.trimEnd().split('\\n').pop() || '';
  let result;
  try { result = JSON.parse(last); } catch { result = undefined; }
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    let message = JSON.stringify(result);
    if (Buffer.byteLength(message) > ${TERMINATION_MESSAGE_MAX_BYTES}) {
      const scalars = Object.fromEntries(Object.entries(result).filter(([, v]) => v === null || typeof v !== 'object'));
      message = JSON.stringify({ ...scalars, truncated: true }).slice(0, ${TERMINATION_MESSAGE_MAX_BYTES});
    }
    writeFileSync(messageFile, message);
  }
  process.exitCode = code === null ? 1 : code;
});
`.trim();

/** The container command of a lifecycle Job: the result script around the app's CLI. */
export function resultCommand(cliPath: string, args: readonly string[], messageFile = TERMINATION_MESSAGE_PATH): string[] {
  return ['node', '-e', RESULT_SCRIPT, messageFile, cliPath, ...args];
}
