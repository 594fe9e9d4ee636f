import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import cassandra from 'cassandra-driver';
import { afterEach, describe, expect, it } from 'vitest';
import { answersCql, isAuthenticationChallenge } from './cql-probe.js';

// The probe's "yes" is exercised by every local Cassandra start (scripts/cassandra/up.sh waits
// on it before any Cassandra test runs); these cover the ways a port can fail to be CQL.

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('answersCql', () => {
  it('is false when nothing listens', async () => {
    const port = await listen(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(await answersCql('127.0.0.1', port, 500)).toBe(false);
  });

  it('is false when the port closes the connection at once', async () => {
    const port = await listen((socket) => socket.destroy());
    expect(await answersCql('127.0.0.1', port, 500)).toBe(false);
  });

  it('is false when the port accepts and never answers (a JVM still starting)', async () => {
    const port = await listen(() => undefined);
    expect(await answersCql('127.0.0.1', port, 300)).toBe(false);
  });

  it('is false when the port speaks something else', async () => {
    const port = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(await answersCql('127.0.0.1', port, 500)).toBe(false);
  });
});

describe('isAuthenticationChallenge', () => {
  it('counts a node asking for credentials as answering', () => {
    const challenge = new cassandra.errors.AuthenticationError('Authentication provider not set');
    expect(isAuthenticationChallenge(challenge)).toBe(true);
    const noHost = new cassandra.errors.NoHostAvailableError({ '127.0.0.1:9042': challenge });
    expect(isAuthenticationChallenge(noHost)).toBe(true);
  });

  it('does not count other failures', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(isAuthenticationChallenge(refused)).toBe(false);
    expect(isAuthenticationChallenge(new cassandra.errors.NoHostAvailableError({ '127.0.0.1:9042': refused }))).toBe(false);
    expect(isAuthenticationChallenge(new cassandra.errors.NoHostAvailableError({}))).toBe(false);
  });
});
