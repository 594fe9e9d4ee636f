import { spawn } from 'node:child_process';
import { KUBECTL, KUBE_ENV, NAMESPACE } from './cluster.js';

export interface PortForward {
  /** http://127.0.0.1:<local port> */
  readonly url: string;
  stop(): void;
}

/**
 * The README's path into the cluster, as a person takes it:
 * `kubectl --namespace mnist port-forward service/digits <port>:80`, the tunnel running through
 * the API server and the kubelet of the node the chosen pod is on. Port 0 lets kubectl pick a
 * free local port; resolves once kubectl says where it listens.
 */
export function portForward(target = 'service/digits', remotePort = 80, timeoutMs = 30_000): Promise<PortForward> {
  const child = spawn(KUBECTL, ['--namespace', NAMESPACE, 'port-forward', target, `0:${remotePort}`], {
    env: KUBE_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`kubectl port-forward ${target} printed no port within ${timeoutMs}ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: string) => {
      output += chunk;
      const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${match[1]}`, stop: () => child.kill() });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward ${target} exited (${code}):\n${output}`));
    });
  });
}
