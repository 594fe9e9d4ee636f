import type { LatencySummary, ReplayReport } from './report.js';
import { formatShadowSummary } from './shadow.js';

/**
 * The report for a person: a few aligned lines printed after the run (the JSON, for
 * programs, is the last stdout line and the --out file).
 */
export function formatSummary(report: ReplayReport): string {
  const shard =
    report.shard.index === null
      ? `merged shards ${report.shard.merged?.join(',') ?? ''} of ${report.shard.count}`
      : report.shard.count === 1
        ? 'one process'
        : `shard ${report.shard.index}/${report.shard.count}`;
  const load = report.mode === 'closed' ? `closed loop, ${report.concurrency} clients` : `open loop, ${report.rateRps} req/s target`;
  const lines = [
    `replay of ${report.source} against ${report.url} (${load}; ${shard})`,
    `  requests     ${report.requests} in ${(report.durationMs / 1000).toFixed(2)} s, ok ${report.ok}, errors ${report.errors}` +
      (report.errors > 0 ? ` (${Object.entries(report.errorsByStatus).map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''),
    `  throughput   ${report.throughputRps} ok/s; requests started at ${report.sendRateRps}/s`,
    `  latency ms   ${formatLatency(report.latencyMs)}`,
  ];
  if (report.accuracy !== null) lines.push(`  accuracy     ${percent(report.accuracy)} (${report.correct}/${report.labelled} labelled answers correct)`);
  if (report.agreement !== null) lines.push(`  agreement    ${percent(report.agreement)} (${report.agreed}/${report.compared} answers equal to the recorded ones)`);
  lines.push(
    report.lost === null
      ? '  lost         not verified (--no-verify)'
      : `  lost         ${report.lost} of ${report.verified} acknowledged records not found by id` +
          (report.verifyErrors ? ` (${report.verifyErrors} read-backs failed otherwise)` : ''),
  );
  const versions = Object.entries(report.modelVersions).map(([v, n]) => `${v} (${n})`).join(', ');
  if (versions !== '') lines.push(`  model        ${versions}`);
  lines.push(
    `  client       ${report.clientCpuMs} ms CPU (${perRequestUs(report)} us/request), start lag p99 ${report.startLagMs.p99} ms, ` +
      `event-loop delay p99 ${report.clientEventLoopDelayP99Ms} ms`,
  );
  if (report.shadow !== undefined) lines.push(...formatShadowSummary(report.shadow));
  return lines.join('\n');
}

function formatLatency(l: LatencySummary): string {
  return `p50 ${l.p50}  p90 ${l.p90}  p95 ${l.p95}  p99 ${l.p99}  max ${l.max}  (mean ${l.mean})`;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function perRequestUs(report: ReplayReport): string {
  return report.requests === 0 ? '-' : ((report.clientCpuMs * 1000) / report.requests).toFixed(0);
}
