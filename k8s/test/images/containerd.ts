import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { errorMessage, waitFor } from './images.js';

/**
 * A throwaway containerd for the loader test: its own root, state, socket and opt directories
 * under /tmp, nothing shared with a node's containerd. The CRI plugin is configured as on the
 * local node (`restrict_oom_score_adj`: our VMs refuse negative OOM scores even to root), so
 * the images are imported into the same kind of daemon kubelet talks to.
 */

const execFileAsync = promisify(execFile);

export interface Containerd {
  readonly address: string;
  /** `ctr --address ... --namespace k8s.io ARGS`, stdout. */
  ctr(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** Stops the daemon and removes every directory it had. */
  stop(): Promise<void>;
}

export async function startContainerd(): Promise<Containerd> {
  const dir = mkdtempSync('/tmp/mnist-images-containerd-');
  const address = path.join(dir, 'containerd.sock');
  const config = path.join(dir, 'config.toml');
  writeFileSync(config, `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${address}"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  sandbox_image = "registry.k8s.io/pause:3.10"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`);
  const log = openSync(path.join(dir, 'containerd.log'), 'a');
  const daemon: ChildProcess = spawn('containerd', ['--config', config], { stdio: ['ignore', log, log], detached: true });
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  const ctr = async (args: readonly string[], timeoutMs = 300_000): Promise<string> => {
    try {
      const { stdout } = await execFileAsync('ctr', ['--address', address, '--namespace', 'k8s.io', ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 });
      return stdout;
    } catch (error) {
      throw new Error(`ctr ${args.join(' ')}: ${errorMessage(error)} ${(error as { stderr?: string }).stderr ?? ''}`);
    }
  };
  const stop = async (): Promise<void> => {
    if (daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('containerd answers', 30_000, async () => {
      if (daemon.exitCode !== null) throw new Error(`containerd exited: ${readFileSync(path.join(dir, 'containerd.log'), 'utf8').slice(-2000)}`);
      return existsSync(address) ? ctr(['version'], 5_000) : undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, ctr, stop };
}

/** Lazily unmounts whatever containerd left mounted under dir (snapshots, shm), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((target) => target.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const target of mounts) {
    execFileSync('umount', ['-l', target], { stdio: 'ignore' });
  }
}
