// FakeCluster (client-design.md §C7): a scripted cluster on a FakeTransport, in virtual time. Tend info
// is answered from the cluster's state (members, ownership, generations, per-node views); commands
// from a shared simulated store. Tests mutate the state and advance time. No socket, no timer.

import { asyncScheduler, concat, EMPTY, interval, NEVER, take, timer, map, mergeMap, throwError, type Observable, type SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import type { InfoReply, LoginReply } from '../node-transport';
import { computeDigest, PARTITION_COUNT, partitionId, type UserKey } from '../protocol/digest';
import { secretUtf8 } from '../protocol/secret-bytes';
import { infoValue, type FakeClusterView, type InfoFault, type NodeState } from './fake-cluster-info';
import type { FakeCall } from './fake-node';
import { FakeTransport } from './fake-transport';
import { FakeCommandHandler } from './fake-cluster-commands';
import type { PartitionAccess } from './simulated-scan-plan';
import { SimulatedStore } from './simulated-store';

export interface FakeClusterNodeSpec {
  readonly name: string;
  /** Default 10.0.0.<index + 1>. */
  readonly host?: string;
  /** Default 3000. */
  readonly port?: number;
}

/** How partitions are laid out: 'rotate' (partition p: node p mod n master, the next ones proles), or fixed replica names for every partition. */
export type FakeOwnership = 'rotate' | readonly string[];

export interface FakeClusterOptions {
  readonly nodes: readonly (string | FakeClusterNodeSpec)[];
  /** Default asyncScheduler (virtual inside TestScheduler.run). */
  readonly scheduler?: SchedulerLike;
  /** Default ['test']. */
  readonly namespaces?: readonly string[];
  /** Default min(2, node count). */
  readonly replicationFactor?: number;
  /** Default 'rotate'. */
  readonly ownership?: FakeOwnership;
  /** The `cluster-name` every node answers; default 'null' (none set). */
  readonly clusterName?: string;
  /** Virtual milliseconds before each reply (info, command, login). Default 0. */
  readonly latencyMs?: number;
  /** Answer login$ with a session token of this TTL (seconds); absent: security_not_enabled. */
  readonly sessionTtlSeconds?: number;
  /** Largest body of a scan or batch reply frame (small values give one record per frame). Default 128 KiB. */
  readonly scanFrameBytes?: number;
}

/** An info fault: the request errors, never answers ('timeout'), answers without the name ('missing'), or answers `value` for it. */
export type { InfoFault } from './fake-cluster-info';

/** A login fault: login$ errors (invalid_credential, expired_session, …) or never answers ('timeout': it ends at its deadline). */
export type LoginFault = AerospikeError | 'timeout';

export class FakeCluster {
  readonly transport: FakeTransport;
  readonly scheduler: SchedulerLike;
  readonly store: SimulatedStore;
  readonly namespaces: readonly string[];
  private readonly nodes = new Map<string, NodeState>();
  /** Cluster members in order (what peers lists and ownership are computed from). */
  private members: string[];
  /** owners[namespace][partition] = node ids, master first. */
  private readonly owners = new Map<string, string[][]>();
  private readonly regimes = new Map<string, Uint32Array>();
  private replicationFactor: number;
  private readonly commands: FakeCommandHandler;
  private readonly unavailableByNode = new Map<string, ReadonlySet<number>>();
  /** node id → login faults to apply, oldest first. */
  private readonly loginFaults = new Map<string, { fault: LoginFault; remaining: number }[]>();

  constructor(private readonly options: FakeClusterOptions) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.transport = new FakeTransport({ scheduler: this.scheduler });
    this.store = new SimulatedStore(() => this.scheduler.now(), 0);
    this.namespaces = options.namespaces ?? ['test'];
    const specs = options.nodes.map((n) => (typeof n === 'string' ? { name: n } : n)).map((n, i) => ({ name: n.name, host: n.host ?? `10.0.0.${i + 1}`, port: n.port ?? 3000 }));
    if (specs.length === 0) throw new RangeError('a FakeCluster needs at least one node');
    this.replicationFactor = Math.min(options.replicationFactor ?? 2, specs.length);
    for (const spec of specs) this.register(spec.name, spec.host, spec.port);
    this.members = specs.map((s) => s.name);
    for (const ns of this.namespaces) {
      this.regimes.set(ns, new Uint32Array(PARTITION_COUNT));
      this.owners.set(ns, this.layout(options.ownership ?? 'rotate'));
    }
    this.commands = new FakeCommandHandler(this.store, this.namespaces, (id, namespace, partition) => this.access(id, namespace, partition), options.scanFrameBytes ?? 128 * 1024);
  }

  /** `host:port` of the given nodes (default: the first only), comma-separated. */
  seeds(...names: string[]): string {
    const list = names.length === 0 ? [this.members[0]!] : names;
    return list.map((n) => `${this.state(n).host}:${this.state(n).port}`).join(',');
  }

  /** Options to spread into connect$: one seed (the first node), this transport and scheduler. */
  clientOptions(): { seeds: string; transport: FakeTransport; scheduler: SchedulerLike } {
    return { seeds: this.seeds(), transport: this.transport, scheduler: this.scheduler };
  }

  /** The replica node names of a key's partition, master first. */
  replicasOf(key: { readonly namespace: string; readonly set: string; readonly key?: UserKey; readonly digest?: Uint8Array }): readonly string[] {
    const digest = key.digest ?? computeDigest(key.set, key.key ?? '');
    return this.replicas(key.namespace, partitionId(digest));
  }

  /** The replica node names of a partition, master first. */
  replicas(namespace: string, partition: number): readonly string[] {
    return this.ownersOf(namespace)[partition]!.map((id) => this.state(id).name);
  }

  // ---- faults and changes ------------------------------------------------------------------

  /** The node's process dies: connections die, connects are refused. Its peers still list it until leave(). */
  kill(name: string): void {
    const node = this.state(name);
    node.alive = false;
    this.transport.disconnect(node.id);
  }

  /** The process is back (a fresh process: peers generation restarts low). */
  revive(name: string): void {
    const node = this.state(name);
    node.alive = true;
    node.peersGeneration = 1;
    this.transport.reconnect(node.id);
  }

  /** The cluster notices a member is gone: it leaves every peers list and its partitions move to the others. */
  leave(name: string): void {
    const id = this.state(name).id;
    if (!this.members.includes(id)) return;
    this.members = this.members.filter((m) => m !== id);
    for (const [ns, owners] of this.owners) {
      this.owners.set(ns, owners.map((list, p) => this.refill(list.filter((m) => m !== id), p)));
    }
    this.bumpPeers();
    this.bumpPartitions();
  }

  /** A node (back or new) joins: listed as a peer everywhere; partitions are laid out again over the members. */
  join(name: string): void {
    const id = this.state(name).id;
    if (this.members.includes(id)) return;
    this.members = [...this.members, id];
    for (const ns of this.namespaces) this.owners.set(ns, this.layout(this.options.ownership ?? 'rotate'));
    this.bumpPeers();
    this.bumpPartitions();
  }

  /** Adds a node that is not a member yet (its own view lists the members); join() makes it one. */
  addNode(spec: FakeClusterNodeSpec): void {
    this.register(spec.name, spec.host ?? `10.0.0.${this.nodes.size + 1}`, spec.port ?? 3000);
  }

  /** Sets the replicas of some partitions (node names, master first) and bumps partition generations. */
  setReplicas(namespace: string, partitions: Iterable<number>, names: readonly string[]): void {
    const owners = this.ownersOf(namespace);
    const ids = names.map((n) => this.state(n).id);
    for (const p of partitions) owners[p] = [...ids];
    this.bumpPartitions();
  }

  /** Sets the regime of some partitions (strong-consistency namespaces) and bumps partition generations. */
  setRegime(namespace: string, partitions: Iterable<number>, regime: number): void {
    const regimes = this.regimes.get(namespace)!;
    for (const p of partitions) regimes[p] = regime;
    this.bumpPartitions();
  }

  /** Replication factor change: ownership laid out again with the new count. */
  setReplicationFactor(count: number): void {
    this.replicationFactor = Math.min(count, this.members.length);
    for (const ns of this.namespaces) this.owners.set(ns, this.layout(this.options.ownership ?? 'rotate'));
    this.bumpPartitions();
  }

  /** The process at this node's address now answers another node name (a new node id). */
  rename(name: string, newName: string): void {
    const node = this.state(name);
    node.name = newName;
    node.peersGeneration = 1;
    node.partitionGeneration = 1;
  }

  /** What this node lists as peers (names); undefined restores "every other member". Bumps its peers generation. */
  setPeersView(name: string, peers: readonly string[] | undefined): void {
    const node = this.state(name);
    node.peersView = peers?.map((p) => this.state(p).id);
    node.peersGeneration++;
  }

  /** The addresses peers lists give for this node, in order (IPv6 hosts without brackets). Bumps every member's peers generation. */
  advertise(name: string, addresses: readonly { readonly host: string; readonly port: number }[]): void {
    this.state(name).advertised = addresses;
    this.bumpPeers();
  }

  /**
   * The next `times` info requests of this node naming `infoName` ('*': any) get the fault; with
   * `alongWith`, only requests that also name it count (a tend asks partition-generation both in its
   * refresh and with replicas: `alongWith: 'replicas'` hits the partition-map fetch only).
   */
  failInfo(name: string, infoName: string, fault: InfoFault, times = 1, alongWith?: string): void {
    const faults = this.state(name).infoFaults;
    const list = faults.get(infoName) ?? [];
    list.push({ fault, remaining: times, alongWith });
    faults.set(infoName, list);
  }

  /** The next `times` logins of this node get the fault instead of a session (no token is issued; loginCount skips them). */
  failLogin(name: string, fault: LoginFault, times = 1): void {
    const id = this.state(name).id;
    const list = this.loginFaults.get(id) ?? [];
    list.push({ fault, remaining: times });
    this.loginFaults.set(id, list);
  }

  /** Data commands and scans of these partitions answer result 11 from this node (an empty list clears it). */
  unavailable(name: string, partitions: Iterable<number>): void {
    const set = new Set(partitions);
    if (set.size === 0) this.unavailableByNode.delete(this.state(name).id);
    else this.unavailableByNode.set(this.state(name).id, set);
  }

  /**
   * The node's next `times` scan streams break after `afterFrames` frames with network_error (the
   * node dies mid-scan, or the connection is reset), each frame `frameGapMs` after the previous one.
   */
  cutStreams(name: string, afterFrames: number, times = 1, frameGapMs = 1): void {
    this.state(name).streamCuts.push({ afterFrames, remaining: times, frameGapMs });
  }

  /** Logins answered so far by this node. */
  loginCount(name: string): number {
    return this.state(name).logins;
  }

  // ---- answering ---------------------------------------------------------------------------

  private access(id: string, namespace: string, partition: number): PartitionAccess {
    if (this.unavailableByNode.get(id)?.has(partition) === true) return 'unavailable';
    const owners = this.owners.get(namespace)?.[partition];
    return owners !== undefined && owners.slice(0, this.replicationFactor).includes(id) ? 'held' : 'proxied';
  }

  private register(name: string, host: string, port: number): void {
    if (this.nodes.has(name)) throw new Error(`fake cluster node ${name} already exists`);
    const node: NodeState = { id: name, host, port, name, alive: true, peersGeneration: 1, partitionGeneration: 1, peersView: undefined, advertised: undefined, streamCuts: [], infoFaults: new Map(), logins: 0 };
    this.nodes.set(name, node);
    this.transport.registerNode(name, host, port);
    this.transport.setResponder(name, (call) => this.answer(node, call));
  }

  private answer(node: NodeState, call: FakeCall): unknown {
    switch (call.kind) {
      case 'info':
        return this.info(node, call.commands ?? []);
      case 'login':
        return this.loginAnswer(node);
      default: {
        const reply = this.commands.answer(node.id, call);
        if (reply instanceof AerospikeError) return this.delayedError(reply);
        if (call.kind !== 'stream') return this.delayed(reply);
        const cut = node.streamCuts[0];
        if (cut === undefined) return this.delayedFrames(reply as Buffer[]);
        if (--cut.remaining <= 0) node.streamCuts.shift();
        const frames = (reply as Buffer[]).slice(0, cut.afterFrames);
        const error = new AerospikeError('network_error', `connection closed by ${node.host}:${node.port} mid-scan`);
        return concat(
          frames.length === 0 ? EMPTY : interval(cut.frameGapMs, this.scheduler).pipe(take(frames.length), map((i) => frames[i]!)),
          timer(cut.frameGapMs, this.scheduler).pipe(mergeMap(() => throwError(() => error))),
        );
      }
    }
  }

  private info(node: NodeState, names: readonly string[]): Observable<InfoReply> {
    const reply: Record<string, string> = Object.create(null);
    for (const name of names) {
      const fault = this.takeFault(node, name, names);
      if (fault === 'timeout') return NEVER;
      if (fault instanceof AerospikeError) return this.delayedError(fault);
      if (fault === 'missing') continue;
      reply[name] = fault !== undefined ? fault.value : infoValue(this.view, node, name);
    }
    return this.delayed(reply as InfoReply);
  }

  private takeFault(node: NodeState, name: string, names: readonly string[]): InfoFault | undefined {
    for (const key of [name, '*']) {
      const list = node.infoFaults.get(key);
      const index = list?.findIndex((f) => f.alongWith === undefined || names.includes(f.alongWith)) ?? -1;
      if (index < 0) continue;
      const entry = list![index]!;
      if (--entry.remaining <= 0) list!.splice(index, 1);
      return entry.fault;
    }
    return undefined;
  }

  private loginAnswer(node: NodeState): Observable<LoginReply> {
    const list = this.loginFaults.get(node.id);
    const head = list?.[0];
    if (head === undefined) return this.delayed(this.login(node));
    if (--head.remaining <= 0) list!.shift();
    return head.fault === 'timeout' ? NEVER : this.delayedError(head.fault);
  }

  /** The state the info values are computed from, read live. */
  private readonly view: FakeClusterView = ((cluster: FakeCluster): FakeClusterView => ({
    get namespaces() {
      return cluster.namespaces;
    },
    get members() {
      return cluster.members;
    },
    get replicationFactor() {
      return cluster.replicationFactor;
    },
    get clusterName() {
      return cluster.options.clusterName;
    },
    owners: (namespace) => cluster.ownersOf(namespace),
    regimes: (namespace) => cluster.regimes.get(namespace)!,
    node: (id) => cluster.state(id),
  }))(this);

  private login(node: NodeState): LoginReply {
    node.logins++;
    const ttl = this.options.sessionTtlSeconds;
    if (ttl === undefined) return { kind: 'security_not_enabled' };
    // in memory of its own, as decodeLoginReply hands a real token out (not in Node's shared pool)
    return { kind: 'session', token: secretUtf8(`token-${node.id}-${node.logins}`), ttlSeconds: ttl };
  }

  private delayed<T>(value: T): Observable<T> {
    const latency = this.options.latencyMs ?? 0;
    return timer(latency, this.scheduler).pipe(map(() => value));
  }

  private delayedError(error: AerospikeError): Observable<never> {
    return timer(this.options.latencyMs ?? 0, this.scheduler).pipe(mergeMap(() => throwError(() => error)));
  }

  private delayedFrames(frames: readonly Buffer[]): Observable<Buffer> {
    return timer(this.options.latencyMs ?? 0, this.scheduler).pipe(mergeMap(() => frames));
  }

  private layout(ownership: FakeOwnership): string[][] {
    const members = this.members ?? [];
    const count = this.replicationFactor;
    if (ownership !== 'rotate') {
      const ids = ownership.map((n) => this.state(n).id);
      return Array.from({ length: PARTITION_COUNT }, () => ids.slice(0, count));
    }
    return Array.from({ length: PARTITION_COUNT }, (_, p) => Array.from({ length: Math.min(count, members.length) }, (_, i) => members[(p + i) % members.length]!));
  }

  /** A replica list topped up to the replication factor with members not in it, in member order from p. */
  private refill(list: string[], p: number): string[] {
    const out = [...list];
    for (let i = 0; out.length < this.replicationFactor && i < this.members.length; i++) {
      const candidate = this.members[(p + i) % this.members.length]!;
      if (!out.includes(candidate)) out.push(candidate);
    }
    return out;
  }

  private bumpPeers(): void {
    for (const id of this.members) this.state(id).peersGeneration++;
  }

  private bumpPartitions(): void {
    for (const node of this.nodes.values()) node.partitionGeneration++;
  }

  private ownersOf(namespace: string): string[][] {
    const owners = this.owners.get(namespace);
    if (owners === undefined) throw new Error(`fake cluster has no namespace ${namespace}`);
    return owners;
  }

  private state(name: string): NodeState {
    const byId = this.nodes.get(name);
    if (byId !== undefined) return byId;
    for (const node of this.nodes.values()) if (node.name === name) return node;
    throw new Error(`fake cluster has no node ${name}`);
  }
}
