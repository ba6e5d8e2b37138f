// The partition map (cluster.md §4, J rules): per namespace, per replica index, 4096 node slots and
// a regime per partition. Immutable: a merge returns a new map and copies only the namespaces it
// changes. Lookups index arrays and allocate nothing.

import { PARTITION_COUNT } from '../protocol/digest';

/** One namespace of a node's `replicas` reply, as the parser returns it. */
export interface ReplicasSegment {
  readonly namespace: string;
  readonly regime: number;
  readonly replicaCount: number;
  /** replicaCount bitmaps of 512 bytes; partition p is bit 0x80 >> (p & 7) of byte p >> 3. */
  readonly bitmaps: readonly Uint8Array[];
}

export interface NamespacePartitions<N> {
  readonly replicaCount: number;
  /** replicas[i][p]: the node holding replica i of partition p (0 = master), or undefined. */
  readonly replicas: readonly (readonly (N | undefined)[])[];
  /** Rebalance regime per partition (0 in AP namespaces). */
  readonly regimes: Uint32Array;
}

export interface MergeResult<N> {
  readonly map: PartitionMap<N>;
  /** Nodes that lost a slot to the merged node: they must refetch their own map (J). */
  readonly displaced: ReadonlySet<N>;
  /** Namespaces whose slots or regimes changed. */
  readonly changed: readonly string[];
  /** Partitions whose incoming regime was below the stored one (ignored), per namespace. */
  readonly staleRegimes: ReadonlyMap<string, number>;
}

export class PartitionMap<N> {
  private static readonly EMPTY = new PartitionMap<never>(new Map());

  private constructor(private readonly namespaces: ReadonlyMap<string, NamespacePartitions<N>>) {}

  static empty<N>(): PartitionMap<N> {
    return PartitionMap.EMPTY as PartitionMap<N>;
  }

  get namespaceNames(): readonly string[] {
    return [...this.namespaces.keys()];
  }

  namespace(name: string): NamespacePartitions<N> | undefined {
    return this.namespaces.get(name);
  }

  /** The node in slot `replica` of `partition`, or undefined. */
  node(namespace: string, partition: number, replica: number): N | undefined {
    return this.namespaces.get(namespace)?.replicas[replica]?.[partition];
  }

  /** True when any slot of any namespace holds `node`. */
  owns(node: N): boolean {
    for (const ns of this.namespaces.values()) {
      for (const column of ns.replicas) if (column.includes(node)) return true;
    }
    return false;
  }

  /**
   * Applies one node's replicas reply (J `PartitionParser`): for each set bit, an incoming regime ≥ the
   * stored one writes the node into the slot (raising the regime) and flags the node it displaced;
   * a lower regime is ignored; unset bits never clear a slot. A replica count change resizes the
   * namespace, keeping the columns both sizes share.
   */
  merge(node: N, segments: readonly ReplicasSegment[]): MergeResult<N> {
    let next: Map<string, NamespacePartitions<N>> | undefined;
    const displaced = new Set<N>();
    const changed: string[] = [];
    const staleRegimes = new Map<string, number>();
    for (const segment of segments) {
      const current = (next ?? this.namespaces).get(segment.namespace);
      const updated = mergeNamespace(current, node, segment, displaced, staleRegimes);
      if (updated === current || updated === undefined) continue;
      next ??= new Map(this.namespaces);
      next.set(segment.namespace, updated);
      changed.push(segment.namespace);
    }
    return { map: next === undefined ? this : new PartitionMap(next), displaced, changed, staleRegimes };
  }
}

/** A new namespace object when anything changed, else `current` itself. */
function mergeNamespace<N>(
  current: NamespacePartitions<N> | undefined,
  node: N,
  segment: ReplicasSegment,
  displaced: Set<N>,
  staleRegimes: Map<string, number>,
): NamespacePartitions<N> | undefined {
  const count = segment.replicaCount;
  let replicas: (N | undefined)[][] | undefined;
  let regimes: Uint32Array | undefined;
  if (current === undefined || current.replicaCount !== count) {
    replicas = [];
    for (let i = 0; i < count; i++) replicas.push(current?.replicas[i] !== undefined ? [...current.replicas[i]!] : new Array<N | undefined>(PARTITION_COUNT).fill(undefined));
    regimes = current === undefined ? new Uint32Array(PARTITION_COUNT) : current.regimes.slice();
  }
  const storedRegimes = regimes ?? current!.regimes;
  let stale = 0;
  for (let p = 0; p < PARTITION_COUNT; p++) {
    const byte = p >> 3;
    const bit = 0x80 >> (p & 7);
    for (let i = 0; i < count; i++) {
      if ((segment.bitmaps[i]![byte]! & bit) === 0) continue;
      const stored = (regimes ?? storedRegimes)[p]!;
      if (segment.regime < stored) {
        stale++;
        continue;
      }
      const column = (replicas ?? current!.replicas)[i]!;
      if (segment.regime > stored) {
        regimes ??= storedRegimes.slice();
        regimes[p] = segment.regime;
      }
      const holder = column[p];
      if (holder === node) continue;
      if (holder !== undefined) displaced.add(holder);
      replicas ??= current!.replicas.map((c) => [...c]);
      replicas[i]![p] = node;
      // a node holds one replica index of a partition: another slot still naming it is stale (a new
      // prole does not advertise its bit until migration fills it, so the old slot would linger)
      for (let j = 0; j < count; j++) if (j !== i && replicas[j]![p] === node) replicas[j]![p] = undefined;
    }
  }
  if (stale > 0) staleRegimes.set(segment.namespace, stale);
  if (replicas === undefined && regimes === undefined) return current;
  return { replicaCount: count, replicas: replicas ?? current!.replicas, regimes: regimes ?? storedRegimes };
}
