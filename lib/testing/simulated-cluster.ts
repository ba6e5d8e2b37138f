// SimulatedCluster: N SimulatedNodes on loopback sharing one record store and one ownership table,
// each answering the tend info a real member does, with kill/revive/rebalance/unavailable faults.
// Test support only: owns its nodes and detection timers and leaves none behind after stop().

import { createHash } from 'node:crypto';
import { PARTITION_COUNT } from '../protocol/digest';
import { clusterInfoValue, type AdvertisedNode, type MemberInfoState } from './simulated-cluster-info';
import { SimulatedNode, type SimulatedNodeCluster, type SimulatedNodeOptions } from './simulated-node';
import { OwnershipTable } from './simulated-ownership';
import type { PartitionAccess } from './simulated-scan-plan';
import { SimulatedStore } from './simulated-store';

export interface SimulatedClusterOptions extends Omit<SimulatedNodeOptions, 'port' | 'nodeName' | 'store' | 'cluster'> {
  /** Number of nodes. Default 3. */
  readonly nodes?: number;
  /** Copies of each partition (master + proles), capped by the live node count. Default 2. */
  readonly replicationFactor?: number;
  /** Node names. Default A1, A2, … (the ids the real test cluster uses). */
  readonly nodeNames?: readonly string[];
  /** Listening ports. Default 0 (ephemeral) for each. */
  readonly ports?: readonly number[];
  /** The `cluster-name` info value. Default 'local', as the real test cluster. */
  readonly clusterName?: string;
  /**
   * How long the other nodes take to notice a kill (a real cluster: the heartbeat timeout, ~3 s):
   * until then they still list the dead node in peers and replicas. Default 0 (at once).
   */
  readonly detectionDelayMs?: number;
}

/** A node by index into `nodes` (0-based), by name, or itself. */
export type SimulatedNodeRef = number | string | SimulatedNode;

interface MemberState {
  peersGeneration: number;
  partitionGeneration: number;
  rebalanceGeneration: number;
  /** Partitions answering rc 11 on this node. */
  readonly unavailable: Set<number>;
  /** Killed since the last view change: its in-memory copy is gone even when revived since. */
  wiped: boolean;
  /** Revived since the last view change: a fresh process with fresh generations. */
  restarted: boolean;
  /** Killed and the others have noticed (it left the view). */
  detected: boolean;
  detectionTimer: NodeJS.Timeout | undefined;
}

const nodeRange = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export class SimulatedCluster {
  /** The records every node serves. */
  readonly store: SimulatedStore;
  private readonly namespaces: readonly string[];
  private readonly replicationFactor: number;
  private readonly clusterName: string;
  private readonly detectionDelayMs: number;
  private readonly members: MemberState[];
  private table: OwnershipTable;
  private clusterKey = '';
  private epoch = 0;
  private stopped = false;
  private settledWaiters: Array<() => void> = [];
  private nodeList: SimulatedNode[] = [];

  private constructor(options: SimulatedClusterOptions, names: readonly string[], store: SimulatedStore) {
    this.store = store;
    this.namespaces = options.namespaces ?? ['test'];
    this.replicationFactor = options.replicationFactor ?? 2;
    this.clusterName = options.clusterName ?? 'local';
    this.detectionDelayMs = options.detectionDelayMs ?? 0;
    this.table = new OwnershipTable(names, this.replicationFactor);
    this.members = names.map(() => ({
      // a fresh cluster of n: each peer bumps the generation when it joins and when its address is known
      peersGeneration: 2 * (names.length - 1),
      partitionGeneration: 0,
      rebalanceGeneration: 1,
      unavailable: new Set<number>(),
      wiped: false,
      restarted: false,
      detected: false,
      detectionTimer: undefined,
    }));
    this.newClusterKey();
  }

  /** Starts every node; resolves once all listen. */
  static async start(options: SimulatedClusterOptions = {}): Promise<SimulatedCluster> {
    const count = options.nodes ?? options.nodeNames?.length ?? 3;
    if (!Number.isInteger(count) || count < 1 || count > 255) throw new RangeError(`nodes must be an integer in [1, 255], got ${count}`);
    const rf = options.replicationFactor ?? 2;
    if (!Number.isInteger(rf) || rf < 1) throw new RangeError(`replicationFactor must be a positive integer, got ${rf}`);
    const names = options.nodeNames ?? nodeRange(count).map((i) => `A${i + 1}`);
    if (names.length !== count || new Set(names).size !== count || names.some((n) => typeof n !== 'string' || n.length === 0)) {
      throw new TypeError(`nodeNames must be ${count} distinct non-empty strings, got ${JSON.stringify(names)}`);
    }
    if (options.ports !== undefined && options.ports.length !== count) throw new RangeError(`ports must list ${count} ports, got ${options.ports.length}`);
    const detectionDelayMs = options.detectionDelayMs ?? 0;
    if (!Number.isFinite(detectionDelayMs) || detectionDelayMs < 0) throw new RangeError(`detectionDelayMs must be a non-negative number, got ${detectionDelayMs}`);

    const store = new SimulatedStore(options.clock ?? Date.now, options.defaultTtlSeconds ?? 0);
    const cluster = new SimulatedCluster(options, names, store);
    const { nodes: _n, replicationFactor: _rf, nodeNames: _names, ports, detectionDelayMs: _d, ...nodeOptions } = options;
    const started = await Promise.allSettled(
      names.map((name, i) =>
        SimulatedNode.start({
          ...nodeOptions,
          nodeName: name,
          port: ports?.[i] ?? 0,
          store,
          namespaces: cluster.namespaces,
          clusterName: cluster.clusterName,
          cluster: cluster.hooks(i),
        }),
      ),
    );
    const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(nodes.map((node) => node.stop()));
      throw failure.reason;
    }
    cluster.nodeList = nodes;
    return cluster;
  }

  /** The nodes, in start order (index 0 is A1). */
  get nodes(): readonly SimulatedNode[] {
    return this.nodeList;
  }

  /** `127.0.0.1:p1,127.0.0.1:p2,…`: every node, for a client's seed list. */
  get seeds(): string {
    return this.nodes.map((node) => (node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`)).join(',');
  }

  /** Names of the nodes the live members currently see in the cluster (a killed node stays until detected). */
  get view(): readonly string[] {
    return this.table.members;
  }

  node(ref: SimulatedNodeRef): SimulatedNode {
    return this.nodes[this.indexOf(ref)]!;
  }

  /** Replica node names of a partition in the members' current view, master first. */
  ownership(namespace: string, partition: number): string[] {
    if (!this.namespaces.includes(namespace)) throw new RangeError(`namespace ${JSON.stringify(namespace)} is not one of ${this.namespaces.join(', ')}`);
    checkPartition(partition);
    return this.table.replicas(partition);
  }

  /** Fills a set with `count` records (integer keys 0..count-1, bins `n` and a `data` blob of binBytes). */
  seed(namespace: string, set: string, count: number, binBytes = 0): void {
    this.store.seed(namespace, set, count, binBytes);
  }

  /**
   * A crash: the node stops listening (connects are refused, its port stays reserved) and its
   * connections are destroyed. The others notice after detectionDelayMs: peers, replicas and
   * generations change then. Partitions whose every copy was on nodes killed in the meantime lose
   * their records (an in-memory namespace); with RF ≥ 2 one kill loses nothing.
   */
  async kill(ref: SimulatedNodeRef): Promise<void> {
    const i = this.indexOf(ref);
    const node = this.nodes[i]!;
    const member = this.members[i]!;
    if (!node.alive || this.stopped) return;
    member.wiped = true;
    await node.kill();
    if (this.stopped) return;
    if (this.detectionDelayMs === 0) {
      member.detected = true;
      this.changeView();
      return;
    }
    member.detectionTimer = setTimeout(() => {
      member.detectionTimer = undefined;
      member.detected = true;
      this.changeView();
    }, this.detectionDelayMs);
  }

  /** A restart on the same port: the node rejoins at once with low generations, the others' go up. */
  async revive(ref: SimulatedNodeRef): Promise<void> {
    const i = this.indexOf(ref);
    const node = this.nodes[i]!;
    const member = this.members[i]!;
    if (node.alive || this.stopped) return;
    await node.revive();
    clearTimeout(member.detectionTimer);
    member.detectionTimer = undefined;
    member.detected = false;
    member.restarted = true;
    this.changeView();
  }

  /** Moves every partition's replicas one place along its succession list (new masters) and bumps partition generations. */
  rebalance(): void {
    if (this.stopped) return;
    this.publish(new OwnershipTable(this.table.members, this.replicationFactor, this.table.rotation + 1), false);
  }

  /** The node answers rc 11 for key commands on these partitions and PARTITION_DONE rc 11 in scans. */
  unavailable(ref: SimulatedNodeRef, partitions: Iterable<number> | 'all'): void {
    const set = this.members[this.indexOf(ref)]!.unavailable;
    for (const p of partitions === 'all' ? nodeRange(PARTITION_COUNT) : partitions) set.add(checkPartition(p));
  }

  /** Undoes unavailable() for these partitions, or for all when omitted. */
  available(ref: SimulatedNodeRef, partitions?: Iterable<number>): void {
    const set = this.members[this.indexOf(ref)]!.unavailable;
    if (partitions === undefined) set.clear();
    else for (const p of partitions) set.delete(checkPartition(p));
  }

  /** Resolves once no kill is waiting to be detected. */
  settled(): Promise<void> {
    if (this.members.every((m) => m.detectionTimer === undefined)) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Stops every node and pending detection; resolves when no socket, listener or timer is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const member of this.members) {
      clearTimeout(member.detectionTimer);
      member.detectionTimer = undefined;
    }
    this.wakeSettled();
    await Promise.all(this.nodes.map((node) => node.stop()));
  }

  private indexOf(ref: SimulatedNodeRef): number {
    const i = typeof ref === 'number' ? ref : typeof ref === 'string' ? this.nodes.findIndex((n) => n.name === ref) : this.nodes.indexOf(ref);
    if (!Number.isInteger(i) || i < 0 || i >= this.nodes.length) {
      throw new RangeError(`node must be an index below ${this.nodes.length}, a node name or a node of this cluster, got ${String(ref instanceof SimulatedNode ? ref.name : ref)}`);
    }
    return i;
  }

  /** Members: every node except the killed ones the others have noticed. */
  private changeView(): void {
    if (this.stopped) return;
    const names = this.nodes.filter((_, i) => !this.members[i]!.detected).map((n) => n.name);
    this.publish(new OwnershipTable(names, this.replicationFactor, this.table.rotation), true);
  }

  private publish(next: OwnershipTable, membershipChange: boolean): void {
    const previous = this.table;
    this.dropLostPartitions(previous);
    const changed = Math.max(1, next.changedSince(previous));
    const joined = next.members.filter((n) => !previous.members.includes(n)).length;
    const left = previous.members.filter((n) => !next.members.includes(n)).length;
    this.table = next;
    if (membershipChange) this.newClusterKey();
    this.nodes.forEach((node, i) => {
      const member = this.members[i]!;
      if (member.restarted) {
        member.peersGeneration = 2 * (next.members.length - 1);
        member.partitionGeneration = next.heldCount(node.name);
        member.rebalanceGeneration = 1;
      } else if (node.alive) {
        member.peersGeneration += 2 * joined + left + (membershipChange && joined + left === 0 ? 2 : 0);
        member.partitionGeneration += changed;
        member.rebalanceGeneration += 1;
      }
      member.restarted = false;
      if (node.alive) member.wiped = false;
    });
    this.wakeSettled();
  }

  /** Records of partitions whose every replica was killed since the last view: nobody kept them. */
  private dropLostPartitions(previous: OwnershipTable): void {
    const wiped = new Set(this.nodes.filter((_, i) => this.members[i]!.wiped).map((n) => n.name));
    if (wiped.size === 0) return;
    const lost = new Set<number>();
    for (let p = 0; p < PARTITION_COUNT; p++) if (previous.replicas(p).every((name) => wiped.has(name))) lost.add(p);
    if (lost.size === 0) return;
    for (const ns of this.namespaces) {
      for (const record of [...this.store.scan(ns, '', lost)]) this.store.delete(ns, record.digest);
    }
  }

  private newClusterKey(): void {
    this.epoch++;
    const hash = createHash('sha1').update(`${this.clusterName}/${this.epoch}/${this.table.members.join(',')}`).digest();
    // a 64-bit key printed as %lX: uppercase hex without leading zeros (12 digits here)
    this.clusterKey = hash.subarray(0, 6).toString('hex').toUpperCase().replace(/^0+(?=.)/, '');
  }

  private wakeSettled(): void {
    if (!this.stopped && this.members.some((m) => m.detectionTimer !== undefined)) return;
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const wake of waiters) wake();
  }

  private hooks(i: number): SimulatedNodeCluster {
    return {
      info: (name) => clusterInfoValue(name, this.memberInfo(i)),
      partitionAccess: (namespace, partition) => this.access(i, namespace, partition),
      statistics: () => ({ cluster_size: this.table.members.length, cluster_key: this.clusterKey, cluster_name: this.clusterName }),
    };
  }

  private access(i: number, _namespace: string, partition: number): PartitionAccess {
    if (this.members[i]!.unavailable.has(partition)) return 'unavailable';
    return this.table.holds(this.nodes[i]!.name, partition) ? 'held' : 'proxied';
  }

  private memberInfo(i: number): MemberInfoState {
    const member = this.members[i]!;
    const advertised = (node: SimulatedNode): AdvertisedNode => ({ name: node.name, host: node.host, port: node.port });
    const self = this.nodes[i]!;
    const table = this.table;
    return {
      self: advertised(self),
      peers: this.nodes
        .filter((node) => node !== self && table.members.includes(node.name))
        .map(advertised)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      peersGeneration: member.peersGeneration,
      partitionGeneration: member.partitionGeneration,
      rebalanceGeneration: member.rebalanceGeneration,
      clusterKey: this.clusterKey,
      table,
      namespaces: this.namespaces,
      replicationFactor: this.replicationFactor,
      objects: (ns) => {
        let master = 0;
        let prole = 0;
        for (const record of this.store.scan(ns, '', undefined)) {
          const index = table.replicaIndex(self.name, record.partitionId);
          if (index === 0) master++;
          else if (index > 0) prole++;
        }
        return { master, prole };
      },
    };
  }
}

function checkPartition(partition: number): number {
  if (!Number.isInteger(partition) || partition < 0 || partition >= PARTITION_COUNT) {
    throw new RangeError(`partition must be an integer in [0, ${PARTITION_COUNT}), got ${partition}`);
  }
  return partition;
}
