// The state a tend cycle reads and changes, as the cluster exposes it to the tend steps (seeding,
// refresh, peers, partitions, removal). An interface only, so each step is testable on its own.

import type { SchedulerLike } from 'rxjs';
import type { NodeTransport } from '../node-transport';
import type { ClusterEvent, NodeRemovalReason } from './cluster-events';
import type { ClusterNode } from './cluster-node';
import type { ResolvedClusterOptions } from './cluster-options';
import type { TendConnectOptions } from './node-session';
import type { ValidatedNode } from './node-validator';
import type { PartitionMap } from './partition-map';

export interface SeedAddress {
  readonly host: string;
  readonly port: number;
  readonly tlsName?: string | undefined;
}

export interface TendHost {
  readonly options: ResolvedClusterOptions;
  readonly transport: NodeTransport;
  readonly scheduler: SchedulerLike;
  /** Active nodes by name. */
  readonly nodes: ReadonlyMap<string, ClusterNode>;
  partitionMap: PartitionMap<ClusterNode>;
  /** The peers info name in use: peers-clear-std, peers-tls-std, peers-clear-alt or peers-tls-alt. */
  readonly peersInfoName: string;
  tendConnectOptions(nodeName: string | undefined): TendConnectOptions;
  /**
   * Where to seed from when no node is left: the configured seeds, then the addresses of nodes the
   * cluster has had (J appends discovered nodes to its seeds), so a cluster whose configured seeds
   * are gone for good is still found again.
   */
  seedHosts(): readonly SeedAddress[];
  /** Makes a validated address a node (fresh pool, its tend connection adopted) and announces it. */
  adopt(validated: ValidatedNode): ClusterNode;
  /** Takes a node out: inactive, pool and tend connection closed, announced. */
  remove(node: ClusterNode, reason: NodeRemovalReason): void;
  emit(event: ClusterEvent): void;
}

/** Active nodes in name order: every step visits nodes in this order so a tend is deterministic. */
export function nodesByName(host: TendHost): ClusterNode[] {
  return [...host.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
