/**
 * Whether the local nodes agree on one schema, from what `nodetool describecluster` says on each
 * of them: pure functions over its text, so that they are tested on fixtures (settle.ts runs
 * nodetool and acts on the verdict).
 *
 * Each node lists the schema versions of the nodes it sees alive, with their addresses, and puts
 * nodes that did not answer under UNREACHABLE. Cassandra 5.0 prints, after "\tSchema versions:",
 * one "\t\t<version>: [<address>, ...]" line per version, each followed by a blank line.
 */

/** One schema version and the nodes a node sees holding it. */
export interface SchemaVersion {
  readonly version: string;
  readonly hosts: readonly string[];
}

/** One node's view of the cluster's schema. */
export interface SchemaView {
  readonly versions: readonly SchemaVersion[];
  /** Nodes it sees alive that did not answer its schema request. */
  readonly unreachable: readonly string[];
}

/** Why a node's view is not settled, and which nodes sit on a version most nodes do not hold. */
export interface Disagreement {
  readonly reason: string;
  /** Hosts of every version but the one most hosts hold (empty with a single version). */
  readonly minority: readonly string[];
}

const UNREACHABLE = 'UNREACHABLE';
const ENTRY = /^\s*([^\s:]+): \[(.*)\]\s*$/;

/** "/127.0.0.1:7000" and "127.0.0.1" name the same node. */
function hostOf(text: string): string {
  return text.trim().replace(/^\//, '').replace(/:\d+$/, '');
}

/**
 * The schema section of `nodetool describecluster` output. Throws when there is none: a node
 * that cannot say is not a node that agrees.
 */
export function parseDescribeCluster(output: string): SchemaView {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.trim() === 'Schema versions:');
  if (start < 0) throw new Error('no "Schema versions:" section in the output of nodetool describecluster');
  const versions: SchemaVersion[] = [];
  let unreachable: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') continue;
    const entry = ENTRY.exec(line);
    if (entry === null) break; // the next section ("Stats for all nodes:")
    const hosts = entry[2]!.split(',').map(hostOf).filter((host) => host !== '').sort();
    if (entry[1] === UNREACHABLE) unreachable = hosts;
    else versions.push({ version: entry[1]!, hosts });
  }
  return { versions, unreachable };
}

/**
 * Null when the node sees exactly one schema version, held by exactly the `expected` nodes (the
 * running ones); else why not. Nodes that are down may be listed UNREACHABLE: that is fine.
 */
export function findDisagreement(view: SchemaView, expected: readonly string[]): Disagreement | null {
  const holders = view.versions.flatMap((v) => v.hosts).sort();
  const wanted = [...expected].sort();
  if (view.versions.length === 1 && holders.join(' ') === wanted.join(' ')) return null;
  const byHolders = [...view.versions].sort((a, b) => b.hosts.length - a.hosts.length);
  const minority = byHolders.slice(1).flatMap((v) => v.hosts).sort();
  const reason = view.versions.length === 0
    ? `no schema version reported${view.unreachable.length > 0 ? ` (unreachable: ${view.unreachable.join(', ')})` : ''}`
    : view.versions.length > 1
      ? `${view.versions.length} schema versions: ${describeView(view)}`
      : `schema ${view.versions[0]!.version} seen on [${holders.join(', ')}], expected [${wanted.join(', ')}]`;
  return { reason, minority };
}

/** One line: "v1: [a, b]; v2: [c]; UNREACHABLE: [d]". */
export function describeView(view: SchemaView): string {
  const parts = view.versions.map((v) => `${v.version}: [${v.hosts.join(', ')}]`);
  if (view.unreachable.length > 0) parts.push(`${UNREACHABLE}: [${view.unreachable.join(', ')}]`);
  return parts.join('; ');
}
