import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeView, findDisagreement, parseDescribeCluster } from './schema-agreement.js';

/**
 * The fixtures are `nodetool describecluster` output in Cassandra 5.0.8's format (each version
 * line followed by a blank line, then the other sections, whose "5.0.8: [...]" database-version
 * line looks like a schema entry).
 */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/describecluster-${name}.txt`, import.meta.url), 'utf8');
const V1 = '8a3f0d52-6c1e-3b4a-9f27-5d8e1c0b7a64';
const V2 = 'e41b9c07-2d5f-3a88-b6c3-0f9a4e7d1b25';
const THREE = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

describe('reading nodetool describecluster', () => {
  it('reads one version held by three nodes, and nothing from the sections after it', () => {
    expect(parseDescribeCluster(fixture('agreed'))).toEqual({ versions: [{ version: V1, hosts: THREE }], unreachable: [] });
  });

  it('reads every version of a disagreement, past the blank line after the first', () => {
    expect(parseDescribeCluster(fixture('two-versions')).versions).toEqual([
      { version: V1, hosts: ['127.0.0.1', '127.0.0.3'] },
      { version: V2, hosts: ['127.0.0.2'] },
    ]);
  });

  it('keeps unreachable nodes apart, whichever line comes first', () => {
    expect(parseDescribeCluster(fixture('node-down'))).toEqual({
      versions: [{ version: V1, hosts: ['127.0.0.1', '127.0.0.2'] }],
      unreachable: ['127.0.0.3'],
    });
  });

  it('takes addresses printed with a port or a leading slash for the same nodes', () => {
    const output = `\tSchema versions:\n\t\t${V1}: [/127.0.0.2:7000, 127.0.0.1:7000]\n\nStats for all nodes:\n`;
    expect(parseDescribeCluster(output).versions).toEqual([{ version: V1, hosts: ['127.0.0.1', '127.0.0.2'] }]);
  });

  it('refuses output without a schema section (nodetool failed, or printed only an error)', () => {
    expect(() => parseDescribeCluster('nodetool: Failed to connect to \'127.0.0.1:7199\'\n')).toThrow(/no "Schema versions:"/);
  });
});

describe('deciding whether the running nodes agree', () => {
  it('agrees when one version is held by exactly the running nodes', () => {
    expect(findDisagreement(parseDescribeCluster(fixture('agreed')), THREE)).toBeNull();
  });

  it('agrees with a stopped node listed as unreachable', () => {
    expect(findDisagreement(parseDescribeCluster(fixture('node-down')), ['127.0.0.2', '127.0.0.1'])).toBeNull();
  });

  it('disagrees while a running node is not seen, without resetting anyone', () => {
    const disagreement = findDisagreement(parseDescribeCluster(fixture('node-down')), THREE);
    expect(disagreement).toEqual({ reason: `schema ${V1} seen on [127.0.0.1, 127.0.0.2], expected [${THREE.join(', ')}]`, minority: [] });
  });

  it('disagrees on two versions and names the nodes on the one fewer nodes hold', () => {
    const disagreement = findDisagreement(parseDescribeCluster(fixture('two-versions')), THREE);
    expect(disagreement?.reason).toBe(`2 schema versions: ${V1}: [127.0.0.1, 127.0.0.3]; ${V2}: [127.0.0.2]`);
    expect(disagreement?.minority).toEqual(['127.0.0.2']);
  });

  it('disagrees when a node reports no version at all', () => {
    expect(findDisagreement({ versions: [], unreachable: ['127.0.0.2'] }, THREE)).toEqual({
      reason: 'no schema version reported (unreachable: 127.0.0.2)',
      minority: [],
    });
  });

  it('describes a view in one line', () => {
    expect(describeView(parseDescribeCluster(fixture('node-down')))).toBe(`${V1}: [127.0.0.1, 127.0.0.2]; UNREACHABLE: [127.0.0.3]`);
  });
});
