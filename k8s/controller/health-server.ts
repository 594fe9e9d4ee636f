import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the probes ask about. */
export interface HealthSource {
  /** When the election loop last completed a try (ms since the epoch; 0: not yet). */
  readonly lastElectionTryMs: number;
  readonly isLeader: boolean;
}

/**
 * The controller's probes. /healthz: the election loop is alive (it tried within `staleAfterMs`),
 * so a hung process is restarted; /readyz: the same, and says whether this replica leads. A
 * standby is ready too: readiness must not make a rollout wait for an election.
 */
export function startHealthServer(source: HealthSource, port: number, staleAfterMs: number): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const ageMs = Date.now() - source.lastElectionTryMs;
    const alive = source.lastElectionTryMs > 0 && ageMs < staleAfterMs;
    const known = request.url === '/healthz' || request.url === '/readyz';
    const body = known ? { alive, leader: source.isLeader, lastElectionTryMsAgo: source.lastElectionTryMs > 0 ? ageMs : null } : { error: 'not found' };
    response.writeHead(!known ? 404 : alive ? 200 : 503, { 'Content-Type': 'application/json' });
    response.end(`${JSON.stringify(body)}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

/** The port a server listens on (for port 0 in tests). */
export function portOf(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
