// AerospikeClient (client-design.md §C2): the record API for reactive apps over the cluster layer.
// Every method validates its arguments at call time and returns a cold Observable; unsubscribing
// stops retries and destroys any socket mid-reply. Sockets and timers stay behind the injected transport and scheduler.

import { map, merge, mergeMap, Observable, type SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import type { InfoReply } from '../node-transport';
import { executeBatch$ } from '../cluster/batch-executor';
import { Cluster } from '../cluster/cluster';
import type { ClusterEvent, ClusterStats } from '../cluster/cluster-events';
import type { ClusterNode, NodeInfo } from '../cluster/cluster-node';
import type { ClusterOptions } from '../cluster/cluster-options';
import { checkOptionsObject, describe, resolvePolicy, type ReadPolicy } from '../cluster/policy';
import { withPooledConnection$ } from '../cluster/pooled-connection';
import { executeScan$ } from '../cluster/scan-executor';
import { scanIterable } from '../cluster/scan-iterable';
import type { Operation } from '../protocol/operations';
import type { Bins } from '../protocol/requests';
import { isWellFormed, loneSurrogateError } from '../protocol/utf8';
import {
  checkBinNames,
  resolveBatchPolicy,
  resolveClientPolicies,
  resolveScanPolicy,
  resolveWritePolicy,
  type BatchPolicy,
  type ClientPolicies,
  type ResolvedClientPolicies,
  type ResolvedWritePolicy,
  type ScanPolicy,
  type WritePolicy,
} from './client-policies';
import { batchGetCommand, scanCommand } from './multi-record-commands';
import {
  checkOperations,
  deleteCommand,
  existsCommand,
  getCommand,
  operateCommand,
  operationsWrite,
  putCommand,
  touchCommand,
  type AerospikeRecord,
  type WriteResult,
} from './record-commands';
import { resolveKey, type Key } from './record-key';
import { truncateInfoName, checkInfoNames, infoOk } from './info-commands';

export interface ClientOptions extends ClusterOptions {
  /** Per-kind defaults every call's options are merged over. */
  readonly policies?: ClientPolicies;
}

export type ClientStats = ClusterStats;

export class AerospikeClient {
  private readonly policies: ResolvedClientPolicies;
  /** A read-only operate$: the write policy's write fields under the read policy's timeouts and replica. */
  private readonly readOperatePolicy: ResolvedWritePolicy;
  private infoCursor = 0;

  private constructor(
    private readonly cluster: Cluster,
    policies: ClientPolicies | undefined,
  ) {
    this.policies = resolveClientPolicies(policies);
    this.readOperatePolicy = { ...this.policies.write, ...this.policies.read };
  }

  /** Cold: seeds, first tend; emits the client once a partition map is known, then completes. */
  static connect$(options: ClientOptions): Observable<AerospikeClient> {
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describe(options)}`);
    resolveClientPolicies(options.policies);
    return Cluster.connect$(options).pipe(map((cluster) => new AerospikeClient(cluster, options.policies)));
  }

  /** Active nodes; replays the latest list to each subscriber. */
  get nodes$(): Observable<readonly NodeInfo[]> {
    return this.cluster.nodes$;
  }

  /** node_added, node_removed, partitions_changed, tend_error. */
  get events$(): Observable<ClusterEvent> {
    return this.cluster.events$;
  }

  get$(key: Key, opts?: ReadPolicy & { readonly bins?: readonly string[] }): Observable<AerospikeRecord | null> {
    const k = resolveKey(key);
    const policy = resolvePolicy(this.policies.read, opts, 'opts');
    const bins = opts?.bins === undefined ? undefined : checkBinNames(opts.bins, 'opts.bins');
    return this.cluster.execute$(getCommand(k, policy, bins), policy);
  }

  exists$(key: Key, opts?: ReadPolicy): Observable<boolean> {
    const k = resolveKey(key);
    const policy = resolvePolicy(this.policies.read, opts, 'opts');
    return this.cluster.execute$(existsCommand(k, policy), policy);
  }

  /** Writes the bins (a `null` value deletes that bin). */
  put$(key: Key, bins: Bins, opts?: WritePolicy): Observable<WriteResult> {
    const k = resolveKey(key);
    checkBins(bins);
    const policy = resolveWritePolicy(this.policies.write, opts);
    return this.cluster.execute$(putCommand(k, bins, policy), policy);
  }

  /** Emits true when the record existed. */
  delete$(key: Key, opts?: WritePolicy): Observable<boolean> {
    const k = resolveKey(key);
    const policy = resolveWritePolicy(this.policies.write, opts);
    return this.cluster.execute$(deleteCommand(k, policy), policy);
  }

  /** Resets the record's TTL (ttlSeconds of the policy) and bumps its generation; key_not_found when missing. */
  touch$(key: Key, opts?: WritePolicy): Observable<WriteResult> {
    const k = resolveKey(key);
    const policy = resolveWritePolicy(this.policies.write, opts);
    return this.cluster.execute$(touchCommand(k, policy), policy);
  }

  /** Runs the operations on one record in one round trip; routed and retried as a write when any writes. */
  operate$(key: Key, ops: readonly Operation[], opts?: WritePolicy): Observable<AerospikeRecord | null> {
    const k = resolveKey(key);
    const operations = checkOperations(ops);
    const base = operationsWrite(operations) ? this.policies.write : this.readOperatePolicy;
    const policy = resolveWritePolicy(base, opts);
    return this.cluster.execute$(operateCommand(k, operations, policy), policy);
  }

  /** The records of `keys` in caller order, null where a key is missing. */
  batchGet$(keys: readonly Key[], opts?: BatchPolicy & { readonly bins?: readonly string[] }): Observable<(AerospikeRecord | null)[]> {
    if (!Array.isArray(keys)) throw new TypeError(`keys must be an array of keys, got ${describe(keys)}`);
    const resolved = keys.map((key, i) => resolveKey(key, `keys[${i}]`));
    const policy = resolveBatchPolicy(this.policies.batch, opts);
    const bins = opts?.bins === undefined ? undefined : checkBinNames(opts.bins, 'opts.bins');
    return executeBatch$(this.cluster, batchGetCommand(resolved, bins, policy, this.now), policy, policy.maxConcurrentNodes);
  }

  /** Every record of the namespace (and set), each exactly once, as it arrives from every node. */
  scan$(namespace: string, set?: string, opts?: ScanPolicy): Observable<AerospikeRecord> {
    const policy = this.scanPolicy(namespace, set, opts);
    return executeScan$(this.cluster, scanCommand(namespace, set, policy), policy, policy.maxConcurrentNodes);
  }

  /** scan$ with backpressure: frames are read only as fast as the loop consumes records; `break` stops every node. */
  scanIterable(namespace: string, set?: string, opts?: ScanPolicy): AsyncIterable<AerospikeRecord> {
    const policy = this.scanPolicy(namespace, set, opts);
    return scanIterable(this.cluster, scanCommand(namespace, set, policy), policy, policy.maxConcurrentNodes);
  }

  /** One info request to one node: `opts.node` (by name), else the active nodes in turn. */
  info$(names: readonly string[], opts?: { readonly node?: string }): Observable<InfoReply> {
    const list = checkInfoNames(names);
    checkOptionsObject(opts, 'opts');
    if (opts?.node !== undefined && typeof opts.node !== 'string') throw new TypeError(`opts.node must be a node name, got ${describe(opts.node)}`);
    return new Observable<InfoReply>((subscriber) => {
      const node = this.infoNode(opts?.node);
      if (node instanceof AerospikeError) {
        subscriber.error(node);
        return undefined;
      }
      return this.nodeInfo$(node, list).subscribe(subscriber);
    });
  }

  /** The same info request to every active node; emits each node's reply as it answers. */
  infoAll$(names: readonly string[]): Observable<{ readonly node: string; readonly reply: InfoReply }> {
    const list = checkInfoNames(names);
    return new Observable<{ node: string; reply: InfoReply }>((subscriber) => {
      try {
        this.cluster.ensureOpen();
      } catch (error) {
        subscriber.error(error);
        return undefined;
      }
      const nodes = this.cluster.activeNodes();
      return merge(...nodes.map((node) => this.nodeInfo$(node, list).pipe(map((reply) => ({ node: node.name, reply }))))).subscribe(subscriber);
    });
  }

  /** Removes every record of the namespace (or of one set); the server spreads it to every node. */
  truncate$(namespace: string, set?: string): Observable<void> {
    const name = truncateInfoName(namespace, set);
    return this.info$([name]).pipe(mergeMap((reply) => infoOk(reply, name)));
  }

  /** Per node: connections open/idle/in use, errors, tends; and the partition map's namespaces. */
  stats(): ClientStats {
    return this.cluster.stats();
  }

  /** Idempotent: stops tending and closes every connection (calls in flight end with an error). */
  close(): void {
    this.cluster.close();
  }

  private readonly now = (): number => this.cluster.scheduler.now();

  private scanPolicy(namespace: string, set: string | undefined, opts: ScanPolicy | undefined) {
    if (typeof namespace !== 'string' || namespace.length === 0) throw new TypeError(`namespace must be a non-empty string, got ${describe(namespace)}`);
    if (set !== undefined && typeof set !== 'string') throw new TypeError(`set must be a string, got ${describe(set)}`);
    if (!isWellFormed(namespace)) throw loneSurrogateError(namespace, 'namespace');
    if (set !== undefined && !isWellFormed(set)) throw loneSurrogateError(set, 'set');
    return resolveScanPolicy(this.policies.scan, opts);
  }

  private infoNode(name: string | undefined): ClusterNode | AerospikeError {
    if (this.cluster.isClosed) return new AerospikeError('client_closed', 'the client is closed');
    const nodes = this.cluster.activeNodes();
    if (name !== undefined) return nodes.find((n) => n.name === name) ?? new AerospikeError('invalid_node', `no active node named ${JSON.stringify(name)} (active: ${nodes.map((n) => n.name).join(', ') || 'none'})`);
    if (nodes.length === 0) return new AerospikeError('invalid_node', 'the cluster has no active node');
    return nodes[this.infoCursor++ % nodes.length]!;
  }

  private nodeInfo$(node: ClusterNode, names: readonly string[]): Observable<InfoReply> {
    return withPooledConnection$(node.pool, (conn) => this.cluster.transport.info$(conn, names), 'value');
  }

  /** The scheduler the client runs on (virtual in tests). */
  get scheduler(): SchedulerLike {
    return this.cluster.scheduler;
  }
}

function checkBins(bins: unknown): void {
  if (bins === null || typeof bins !== 'object') throw new TypeError(`bins must be an object of bin name → value, got ${describe(bins)}`);
}

