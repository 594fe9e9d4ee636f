import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Testing } from 'cdk8s';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MnistChart } from '../chart.js';
import { podTemplatesOf, type KubeObject } from './manifest-walk.js';

/**
 * The Cassandra container's exec probe and preStop hook, taken from the synthesized StatefulSet
 * and run with bash against a stand-in `nodetool` (it prints a ring as Cassandra 5.0's
 * `nodetool status` does and records how it was called).
 */
const cassandra = podTemplatesOf(Testing.synth(new MnistChart(Testing.app(), 'mnist-k8s')) as KubeObject[])
  .find((t) => t.owner.kind === 'StatefulSet')!.spec.containers[0]! as unknown as {
    readinessProbe: { exec: { command: string[] } };
    lifecycle: { preStop: { exec: { command: string[] } } };
  };

function ring(rows: string[]): string {
  return ['Datacenter: datacenter1', '=======================', 'Status=Up/Down', '|/ State=Normal/Leaving/Joining/Moving',
    '--  Address      Load        Tokens  Owns (effective)  Host ID                               Rack', ...rows].join('\n');
}

function run(command: string[], podIp: string, status: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'nodetool-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'status.txt'), `${status}\n`);
  writeFileSync(path.join(dir, 'nodetool'),
    `#!/bin/sh\necho "HOME=$HOME MAX_HEAP_SIZE=$MAX_HEAP_SIZE $*" >> "${dir}/calls"\n[ "$1" = status ] && cat "${dir}/status.txt"\nexit 0\n`);
  chmodSync(path.join(dir, 'nodetool'), 0o755);
  const [shell, ...args] = command;
  const result = spawnSync(shell!, args, { encoding: 'utf8', env: { PATH: `${dir}:${process.env.PATH}`, POD_IP: podIp, MAX_HEAP_SIZE: '512M', HOME: '/' } });
  return { status: result.status, calls: readFileSync(path.join(dir, 'calls'), 'utf8').trim() };
}

describe('the Cassandra readiness probe', () => {
  const probe = cassandra.readinessProbe.exec.command;
  const row = (state: string, ip: string) => `${state}  ${ip}  104.3 KiB   16      66.7%             0b7c1e2a-1111-4c1d-9e2f-3a4b5c6d7e8f  rack1`;

  it('is ready when this node is Up/Normal', () => {
    expect(run(probe, '10.244.1.5', ring([row('UN', '10.244.2.7'), row('UN', '10.244.1.5')])).status).toBe(0);
  });

  it.each([
    ['joining (bootstrap streaming)', ring([row('UN', '10.244.2.7'), row('UJ', '10.244.1.5')])],
    ['down in its own view', ring([row('DN', '10.244.1.5')])],
    ['absent from the ring', ring([row('UN', '10.244.2.7')])],
    ['only a longer address starting with its own is up', ring([row('UN', '10.244.1.50')])],
    ['nodetool prints nothing (JMX not up yet)', ''],
  ])('is not ready when the node is %s', (_case, status) => {
    expect(run(probe, '10.244.1.5', status).status).toBe(1);
  });

  it('runs nodetool with its own small heap, not the server\'s, and a writable HOME', () => {
    expect(run(probe, '10.244.1.5', ring([])).calls).toBe('HOME=/tmp MAX_HEAP_SIZE=128m status');
  });
});

describe('the Cassandra preStop hook', () => {
  it('drains the node (flushes memtables, stops accepting writes) before the JVM gets SIGTERM', () => {
    expect(run(cassandra.lifecycle.preStop.exec.command, '10.244.1.5', '').calls).toBe('HOME=/tmp MAX_HEAP_SIZE=128m drain');
  });
});
