// What the cluster reports (client-design.md §C6): events as they happen, and a stats snapshot.
// Types only. Nothing here carries credentials or session tokens.

import type { AerospikeError } from '../errors';
import type { NodeInfo } from './cluster-node';
import type { PoolStats } from './node-pool';

export type TendPhase = 'seed' | 'refresh' | 'login' | 'peers' | 'partitions' | 'racks';

export type NodeRemovalReason =
  /** The node answered with another name at the same address. */
  | 'name_changed'
  /** ≥ 5 consecutive tend failures while no node answered. */
  | 'unreachable'
  /** Listed by no peer, and failing or owning no partition (J). */
  | 'not_in_peers'
  /** Its tend connection was refused on consecutive tends: the process is gone. */
  | 'refused'
  /** A node with its name was found at another address while it was failing. */
  | 'replaced'
  /** The client was closed. */
  | 'closed';

export type ClusterEvent =
  | { readonly type: 'node_added'; readonly node: NodeInfo }
  | { readonly type: 'node_removed'; readonly node: NodeInfo; readonly reason: NodeRemovalReason }
  | { readonly type: 'partitions_changed'; readonly namespace: string; readonly node: string; readonly generation: number }
  | { readonly type: 'tend_error'; readonly phase: TendPhase; readonly node?: string; readonly address?: string; readonly error: AerospikeError };

export interface NodeStats {
  readonly name: string;
  readonly address: string;
  readonly active: boolean;
  readonly connections: PoolStats;
  /** Errors counted in the current error-rate window. */
  readonly errorRate: number;
  readonly tends: { readonly ok: number; readonly failed: number };
  readonly consecutiveTendFailures: number;
  readonly commands: number;
  readonly commandErrors: number;
  readonly partitionGeneration: number;
  readonly peersGeneration: number;
}

export interface ClusterStats {
  readonly nodes: readonly NodeStats[];
  readonly tends: number;
  readonly tendErrors: number;
  /** Namespaces in the partition map, with how many partitions have a master. */
  readonly namespaces: readonly { readonly namespace: string; readonly replicaCount: number; readonly partitionsWithMaster: number }[];
}
