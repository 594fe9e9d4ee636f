import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A server under test in its own process: started with node (optionally with --cpu-prof),
 * waited on until its readiness URL answers 200, observed through /proc (peak RSS, CPU time)
 * and stopped with SIGTERM, as Kubernetes would stop it.
 */

export interface ServerSpec {
  readonly name: string;
  /** Script and arguments after `node`, e.g. ['dist/app/src/cli/index.js', 'serve']. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Where stdout and stderr go (the service's JSON logs). */
  readonly logFile: string;
  /** When set, the process runs with --cpu-prof and writes its profile here on exit. */
  readonly cpuProfileDir?: string | undefined;
  readonly readyTimeoutMs?: number;
}

export interface ProcStats {
  /** Peak resident set size so far (VmHWM), in MiB. */
  readonly peakRssMiB: number;
  readonly rssMiB: number;
  /** User + system CPU time since the process started, in milliseconds. */
  readonly cpuMs: number;
  /** The system (kernel) part of it: syscalls, network stack, page faults. */
  readonly sysCpuMs: number;
  /**
   * The same per thread name: node = the JS main thread, mnist-inference = the inference worker
   * thread, libvips worker = libvips' decoding threads, and Node's other threads (see nameThread).
   */
  readonly threadCpuMs: Readonly<Record<string, number>>;
}

export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  readonly baseUrl: string;
  stats(): Promise<ProcStats>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound once, then released for the server to take). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const CLOCK_TICKS_PER_SEC = 100;

/** CPU time all cores spent busy since boot (the `cpu` line of /proc/stat), in milliseconds. */
export async function readMachineBusyMs(): Promise<number> {
  const first = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const [user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).slice(1).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / CLOCK_TICKS_PER_SEC;
}

/** Parses a /proc stat line into the command name and utime + stime in milliseconds. */
export function parseStatLine(stat: string): { name: string; cpuMs: number; sysCpuMs: number } {
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const sysCpuMs = (Number(rest[12]) * 1000) / CLOCK_TICKS_PER_SEC;
  return { name, cpuMs: (Number(rest[11]) * 1000) / CLOCK_TICKS_PER_SEC + sysCpuMs, sysCpuMs };
}

/**
 * Node 20 names none of its threads: the main thread, V8's helpers (GC, compiler) and the libuv
 * pool (where sharp runs its pipeline and hands pixels to libvips' own, named, threads) are all
 * "node". The main thread is the one whose id is the process id; the rest are lumped together.
 */
export function nameThread(pid: number, tid: number, comm: string): string {
  if (comm !== 'node') return comm;
  return tid === pid ? 'node' : OTHER_NODE_THREADS;
}

/** The bucket of Node's unnamed threads other than the main thread. */
export const OTHER_NODE_THREADS = 'libuv pool + V8 helpers';

async function readThreadCpu(pid: number): Promise<Record<string, number>> {
  const byName: Record<string, number> = {};
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      const { name: comm, cpuMs } = parseStatLine(await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      const name = nameThread(pid, Number(tid), comm);
      byName[name] = (byName[name] ?? 0) + cpuMs;
    } catch {
      // the thread ended between readdir and read
    }
  }
  return byName;
}

const pick = ({ cpuMs, sysCpuMs }: { cpuMs: number; sysCpuMs: number }): { cpuMs: number; sysCpuMs: number } => ({ cpuMs, sysCpuMs });

/** Reads VmHWM, VmRSS (/proc/<pid>/status), process and per-thread CPU time (/proc/<pid>/stat, task/). */
export async function readProcStats(pid: number): Promise<ProcStats> {
  const [status, stat, threadCpuMs] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8'), readThreadCpu(pid)]);
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssMiB: Math.round(kib('VmHWM') / 102.4) / 10, rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, ...pick(parseStatLine(stat)), threadCpuMs };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was ready (log: ${logFile})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`server not ready at ${url} after ${timeoutMs} ms (log: ${logFile})`);
}

/** Starts the server on a free port (PORT, HOST=127.0.0.1 are added to its env) and waits for readiness. */
export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const port = await findFreePort();
  // The child writes its logs straight to the file: piping through this process would make the
  // load generator pay for the server's logging.
  const logFd = openSync(spec.logFile, 'a');
  const nodeFlags = spec.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfileDir}`];
  const child = spawn(process.execPath, [...nodeFlags, ...spec.args], {
    env: { ...process.env, ...spec.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${baseUrl}/readyz`, child, spec.readyTimeoutMs ?? 120_000, spec.logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const pid = child.pid!;
  return {
    name: spec.name,
    pid,
    baseUrl,
    stats: () => readProcStats(pid),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
