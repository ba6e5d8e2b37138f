// Key → node (client-design.md §C5, cluster.md §6.2 J policies): the five replica policies for reads,
// master or sequence walk for writes, skipping inactive nodes. Reads the map only; no allocation on
// the sequence path. Round-robin counters, and where the last sequence walk landed, are the router's
// only state.

import type { ClusterNode } from './cluster-node';
import type { PartitionMap } from './partition-map';
import type { ReplicaPolicy } from './policy';

/** How recently a refused connect steers reads away from a node that still owns slots (before a tend notices). */
export const CONNECT_FAILURE_AVOID_MS = 1000;

export class Router {
  private roundRobin = 0;

  /**
   * The sequence the last read() or write() landed on: the `sequence` it was given plus the replica
   * slots the 'sequence' walk skipped (inactive, or recently refused) to reach its node. Java's
   * getSequenceNode bumps the sequence for each skipped slot (cluster.md §6.2); a caller that retries
   * stores this back, so its next attempt moves on from the node it used instead of walking back to it.
   * Equal to `sequence` under the other policies. Read it right after the call (JS runs one at a time).
   */
  landed = 0;

  constructor(
    private readonly rackIds: readonly number[],
    private readonly now: () => number,
  ) {}

  /**
   * The node for attempt `sequence` of a read. 'sequence' walks the replicas from `sequence`,
   * skipping nodes that are inactive or whose connects were refused within the last second while
   * another replica is usable.
   */
  read(map: PartitionMap<ClusterNode>, namespace: string, partition: number, policy: ReplicaPolicy, sequence: number, previous?: ClusterNode): ClusterNode | undefined {
    this.landed = sequence;
    const ns = map.namespace(namespace);
    if (ns === undefined) return undefined;
    const columns = ns.replicas;
    switch (policy) {
      case 'master':
        return usable(columns[0]![partition]);
      case 'master_proles': {
        for (let i = 0; i < columns.length; i++) {
          const node = usable(columns[this.roundRobin++ % columns.length]![partition]);
          if (node !== undefined) return node;
        }
        return undefined;
      }
      case 'random':
        return this.anyReplica(columns, partition);
      case 'prefer_rack':
        return this.preferRack(columns, partition, namespace, sequence, previous);
      default:
        return this.sequence(columns, partition, sequence);
    }
  }

  /** The node for attempt `sequence` of a write: the master, or the sequence walk under 'sequence'/'prefer_rack'. */
  write(map: PartitionMap<ClusterNode>, namespace: string, partition: number, policy: ReplicaPolicy, sequence: number): ClusterNode | undefined {
    this.landed = sequence;
    const ns = map.namespace(namespace);
    if (ns === undefined) return undefined;
    if (policy === 'sequence' || policy === 'prefer_rack') return this.sequence(ns.replicas, partition, sequence);
    return usable(ns.replicas[0]![partition]);
  }

  private sequence(columns: readonly (readonly (ClusterNode | undefined)[])[], partition: number, sequence: number): ClusterNode | undefined {
    const n = columns.length;
    let fallback: ClusterNode | undefined;
    let fallbackAt = 0;
    for (let i = 0; i < n; i++) {
      const node = usable(columns[(sequence + i) % n]![partition]);
      if (node === undefined) continue;
      if (!this.recentlyRefused(node)) {
        this.landed = sequence + i;
        return node;
      }
      if (fallback === undefined) {
        fallback = node;
        fallbackAt = i;
      }
    }
    if (fallback !== undefined) this.landed = sequence + fallbackAt;
    return fallback;
  }

  private anyReplica(columns: readonly (readonly (ClusterNode | undefined)[])[], partition: number): ClusterNode | undefined {
    const start = this.roundRobin++;
    for (let i = 0; i < columns.length; i++) {
      const node = usable(columns[(start + i) % columns.length]![partition]);
      if (node !== undefined) return node;
    }
    return undefined;
  }

  private preferRack(
    columns: readonly (readonly (ClusterNode | undefined)[])[],
    partition: number,
    namespace: string,
    sequence: number,
    previous: ClusterNode | undefined,
  ): ClusterNode | undefined {
    const n = columns.length;
    for (const rack of this.rackIds) {
      for (let i = 0; i < n; i++) {
        const node = usable(columns[(sequence + i) % n]![partition]);
        if (node !== undefined && node !== previous && node.rackOf(namespace) === rack) return node;
      }
    }
    for (let i = 0; i < n; i++) {
      const node = usable(columns[(sequence + i) % n]![partition]);
      if (node !== undefined && node !== previous) return node;
    }
    return usable(previous);
  }

  private recentlyRefused(node: ClusterNode): boolean {
    return node.connectFailuresInRow > 0 && this.now() - node.lastConnectFailureMs < CONNECT_FAILURE_AVOID_MS;
  }
}

function usable(node: ClusterNode | undefined): ClusterNode | undefined {
  return node !== undefined && node.active ? node : undefined;
}
