import { readFile } from 'node:fs/promises';
import os from 'node:os';

/**
 * What the numbers were measured on. The load average matters here: the machine's two cores
 * are shared with whatever else runs (a training job, builds), and the report says so.
 */

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** The TF.js backend the classifier ran on (from the classifier benchmark). */
  readonly backend: string | null;
  readonly loadAverageAtStart: string | null;
  readonly loadAverageAtEnd: string;
  /** %CPU (of one core) other processes used just before the run, from top's snapshot; null if unknown. */
  readonly otherCpuPercentAtStart: number | null;
  /** Other work took a meaningful share of the cores (see report.ts). */
  readonly contended: boolean;
  readonly cpuFlags: readonly string[];
}

async function readCpuInfo(): Promise<{ model: string; flags: string[] }> {
  try {
    const text = await readFile('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
    const flags = /^flags\s*:\s*(.+)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
    return { model: model ?? os.cpus()[0]?.model ?? 'unknown', flags };
  } catch {
    return { model: os.cpus()[0]?.model ?? 'unknown', flags: [] };
  }
}

/** Formats os.loadavg() as "1.23 / 0.98 / 0.50". */
export function formatLoadAverage(load: readonly number[]): string {
  return load.map((x) => x.toFixed(2)).join(' / ');
}

/**
 * `contended` is decided by the caller from measurements of other processes' CPU: the load
 * average cannot tell, since at the end of a run it counts the benchmark's own processes.
 */
export async function collectMachineInfo(backend: string | null, loadAverageAtStart: string | null, otherCpuPercentAtStart: number | null, contended: boolean): Promise<MachineInfo> {
  const cpu = await readCpuInfo();
  return {
    cpuModel: cpu.model,
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    backend,
    loadAverageAtStart,
    loadAverageAtEnd: formatLoadAverage(os.loadavg()),
    otherCpuPercentAtStart,
    contended,
    // Only the vector extensions that decide how fast the two runtimes can be.
    cpuFlags: cpu.flags.filter((f) => /^(avx|avx2|avx512f|avx512_vnni|avx512bw|fma|sse4_2)$/.test(f)),
  };
}
