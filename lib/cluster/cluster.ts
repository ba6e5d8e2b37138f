// A cluster: its nodes, partition map, router and the tend loop on the injected scheduler, plus the
// execution context commands run in. Created by Cluster.connect$ (cold: first tend, then emits).
// Never opens a socket itself: every byte goes through the injected NodeTransport.

import { asyncScheduler, BehaviorSubject, catchError, defer, mergeMap, Observable, of, race, repeat, Subject, Subscription, take, tap, type SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import type { NodeTransport } from '../node-transport';
import { clusterChannels, finishSpan, startSpan, type TendSpanContext } from '../telemetry';
import { cappedTimer } from './capped-delay';
import type { ClusterEvent, ClusterStats, NodeRemovalReason } from './cluster-events';
import { ClusterNode, type NodeInfo } from './cluster-node';
import { connectOptions, resolveClusterOptions, type ClusterOptions, type ResolvedClusterOptions } from './cluster-options';
import { defaultTransport } from './default-transport';
import { DeadlineQueue } from './deadline-queue';
import type { ExecutionContext, KeyCommand } from './executor';
import { executeKeyCommand$ } from './key-command-executor';
import { NodePool } from './node-pool';
import { dataConnectOptions, type TendConnectOptions, withTlsName } from './node-session';
import type { ValidatedNode } from './node-validator';
import { PartitionMap } from './partition-map';
import type { ResolvedPolicy } from './policy';
import { clientClosedError, Sleepers } from './retry-pause';
import { Router } from './router';
import { seedAddress, type SeedFailure } from './seeder';
import type { SeedAddress, TendHost } from './tend-host';
import { Tender, type TendReport } from './tender';

/** How many addresses of nodes the cluster has had it keeps as seeds after the configured ones. */
const MAX_REMEMBERED_SEEDS = 64;

export class Cluster implements TendHost, ExecutionContext {
  readonly options: ResolvedClusterOptions;
  readonly transport: NodeTransport;
  readonly scheduler: SchedulerLike;
  readonly router: Router;
  readonly deadlines: DeadlineQueue;
  readonly sleepers = new Sleepers();
  readonly peersInfoName: string;
  partitionMap: PartitionMap<ClusterNode> = PartitionMap.empty();
  private readonly active = new Map<string, ClusterNode>();
  private readonly eventsSubject = new Subject<ClusterEvent>();
  private readonly nodesSubject = new BehaviorSubject<readonly NodeInfo[]>([]);
  private readonly wake = new Subject<void>();
  private readonly tender: Tender;
  private readonly background = new Subscription();
  private loop: Subscription | undefined;
  private tending = false;
  private tendRequested = false;
  private closed = false;
  /** Addresses of the nodes adopted so far, by host:port, the latest last: seeds after the configured ones. */
  private readonly remembered = new Map<string, SeedAddress>();
  private tendCount = 0;
  private tendErrorCount = 0;

  /** Active nodes; replays the latest list to each subscriber; completes on close(). */
  readonly nodes$: Observable<readonly NodeInfo[]> = this.nodesSubject.asObservable();
  /** node_added, node_removed, partitions_changed, tend_error as they happen; completes on close(). */
  readonly events$: Observable<ClusterEvent> = this.eventsSubject.asObservable();

  private constructor(options: ClusterOptions) {
    this.options = resolveClusterOptions(options);
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.transport = options.transport ?? defaultTransport(this.scheduler);
    this.router = new Router(this.options.rackIds, () => this.scheduler.now());
    this.deadlines = new DeadlineQueue(this.scheduler);
    const tls = options.tls !== undefined;
    this.peersInfoName = `peers-${tls ? 'tls' : 'clear'}-${this.options.useServicesAlternate ? 'alt' : 'std'}`;
    this.tender = new Tender(this);
  }

  /**
   * Cold: validates the options (TypeError/RangeError at call time), runs the first tend, then emits
   * the cluster and completes. With failIfNotConnected (default) and no seed validating, errors with
   * connection_error listing every seed and its reason. Unsubscribing before the emission closes it.
   */
  static connect$(options: ClusterOptions): Observable<Cluster> {
    resolveClusterOptions(options);
    return new Observable<Cluster>((subscriber) => {
      const cluster = new Cluster(options);
      let emitted = false;
      const first = cluster.runTend$().subscribe({
        next: (report) => {
          if (cluster.active.size === 0 && cluster.options.failIfNotConnected) {
            cluster.close();
            subscriber.error(seedError(report.seedFailures, cluster.options.seeds.map(seedAddress)));
            return;
          }
          emitted = true;
          cluster.startLoop();
          subscriber.next(cluster);
          subscriber.complete();
        },
      });
      return () => {
        first.unsubscribe();
        if (!emitted) cluster.close();
      };
    });
  }

  // ---- TendHost ---------------------------------------------------------------------------

  get nodes(): ReadonlyMap<string, ClusterNode> {
    return this.active;
  }

  tendConnectOptions(nodeName: string | undefined): TendConnectOptions {
    return { connect: connectOptions(this.options), nodeName };
  }

  seedHosts(): readonly SeedAddress[] {
    const configured = new Set(this.options.seeds.map(seedAddress));
    return [...this.options.seeds, ...[...this.remembered.entries()].filter(([address]) => !configured.has(address)).map(([, seed]) => seed)];
  }

  adopt(validated: ValidatedNode): ClusterNode {
    const { maxConnsPerNode, minConnsPerNode, maxSocketIdleMs } = this.options;
    let node: ClusterNode | undefined;
    const pool = new NodePool(validated.name, this.transport, this.scheduler, { minConns: minConnsPerNode, maxConns: maxConnsPerNode, maxIdleMs: maxSocketIdleMs }, () =>
      defer(() => {
        const n = node!;
        return this.transport.connect$(n.host, n.port, dataConnectOptions(withTlsName(connectOptions(this.options), n.tlsName), n.name, n.session, n.securityEnabled));
      }).pipe(
        tap({
          next: () => {
            node!.connectFailuresInRow = 0;
          },
          error: (err: unknown) => {
            if (err instanceof AerospikeError && err.code === 'connection_error') {
              node!.connectFailuresInRow++;
              node!.lastConnectFailureMs = this.scheduler.now();
            }
            if (err instanceof AerospikeError && (err.code === 'expired_session' || err.code === 'not_authenticated')) node!.loginNeeded = true;
          },
        }),
      ),
    );
    node = new ClusterNode(validated.name, validated.host, validated.port, validated.features, pool, validated.tlsName);
    node.tendConn = validated.conn;
    node.session = validated.session;
    node.securityEnabled = validated.securityEnabled;
    // it just answered its validation: this tend may list its peers and fetch its map
    node.answeredThisTend = true;
    if (this.closed) {
      // close() ran in a handler of this tend's events (node_added of an earlier peer): the tend's
      // synchronous remainder still adopts, and nothing it adopts may outlive the close
      this.remove(node, 'closed');
      return node;
    }
    this.active.set(node.name, node);
    const address = seedAddress(node);
    this.remembered.delete(address);
    this.remembered.set(address, { host: node.host, port: node.port, tlsName: node.tlsName });
    // bounded, oldest out: a cluster whose nodes keep changing address does not grow it for ever
    if (this.remembered.size > MAX_REMEMBERED_SEEDS) this.remembered.delete(this.remembered.keys().next().value!);
    this.emit({ type: 'node_added', node: node.info() });
    this.warm(node);
    return node;
  }

  remove(node: ClusterNode, reason: NodeRemovalReason): void {
    if (!node.active) return;
    node.active = false;
    if (this.active.get(node.name) === node) this.active.delete(node.name);
    // in-flight commands keep their connection; it is closed when it comes back
    node.pool.close(reason === 'closed');
    if (node.tendConn !== undefined) this.transport.close(node.tendConn);
    node.tendConn = undefined;
    node.session = undefined;
    if (reason !== 'closed') this.emit({ type: 'node_removed', node: node.info(), reason });
  }

  emit(event: ClusterEvent): void {
    if (event.type === 'tend_error') this.tendErrorCount++;
    if (!this.closed) this.eventsSubject.next(event);
  }

  // ---- ExecutionContext -------------------------------------------------------------------

  get maxErrorRate(): number {
    return this.options.maxErrorRate;
  }

  currentMap(): PartitionMap<ClusterNode> {
    return this.partitionMap;
  }

  /** Asks for an early tend: now when the loop is waiting, else right after the running cycle; never more than one pending. */
  requestTend(): void {
    if (this.closed || this.loop === undefined) return;
    if (this.tending) this.tendRequested = true;
    else this.wake.next();
  }

  ensureOpen(): void {
    if (this.closed) throw clientClosedError();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs a single-key command with retries (the internal command path the record API builds on). */
  execute$<T>(command: KeyCommand<T>, policy: ResolvedPolicy): Observable<T> {
    return executeKeyCommand$(this, command, policy);
  }

  /** Active nodes in name order. */
  activeNodes(): ClusterNode[] {
    return [...this.active.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ---- life cycle -------------------------------------------------------------------------

  /**
   * Idempotent: stops tending, closes every connection (operations in flight end with network_error),
   * cuts short the connects in progress, ends the calls pausing between attempts, completes nodes$ and events$.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.loop?.unsubscribe();
    this.background.unsubscribe();
    for (const node of [...this.active.values()]) this.remove(node, 'closed');
    // calls in flight ended with the connections above (connects in progress included); what is left armed would only lapse
    this.deadlines.clear();
    // calls pausing between attempts end now, not when their pause would have
    this.sleepers.wakeAll();
    this.nodesSubject.next([]);
    this.nodesSubject.complete();
    this.eventsSubject.complete();
    this.wake.complete();
  }

  stats(): ClusterStats {
    return {
      tends: this.tendCount,
      tendErrors: this.tendErrorCount,
      nodes: this.activeNodes().map((n) => ({
        name: n.name,
        address: n.address,
        active: n.active,
        connections: n.pool.stats(),
        errorRate: n.errorCount,
        tends: { ok: n.counters.tendsOk, failed: n.counters.tendsFailed },
        consecutiveTendFailures: n.failures,
        commands: n.counters.commands,
        commandErrors: n.counters.commandErrors,
        partitionGeneration: n.partitionGeneration,
        peersGeneration: n.peersGeneration,
      })),
      namespaces: this.partitionMap.namespaceNames.map((namespace) => {
        const ns = this.partitionMap.namespace(namespace)!;
        return { namespace, replicaCount: ns.replicaCount, partitionsWithMaster: ns.replicas[0]!.filter((n) => n !== undefined && n.active).length };
      }),
    };
  }

  /** Tends forever: wait (tendIntervalMs, or less when an early tend is asked for), tend, again. */
  private startLoop(): void {
    this.loop = defer(() => this.nextTendDue$())
      .pipe(
        mergeMap(() => this.runTend$()),
        repeat(),
      )
      .subscribe();
  }

  private nextTendDue$(): Observable<unknown> {
    if (this.tendRequested) {
      this.tendRequested = false;
      return of(0);
    }
    return race(cappedTimer(this.options.tendIntervalMs, this.scheduler), this.wake.pipe(take(1)));
  }

  /** One cycle with its telemetry span; publishes the node list when it changed. Never errors. */
  private runTend$(): Observable<TendReport> {
    return defer(() => {
      this.tending = true;
      const changes: string[] = [];
      const listen = this.eventsSubject.subscribe((e) => changes.push(describeEvent(e)));
      const span = startSpan(clusterChannels.tend, (): TendSpanContext => ({ nodes: this.active.size, changes }));
      return this.tender.tend$().pipe(
        catchError((err: unknown) => {
          // a bug in a tend step must not stop the loop
          const error = err instanceof AerospikeError ? err : new AerospikeError('parse_error', `tend failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          this.emit({ type: 'tend_error', phase: 'refresh', error });
          return of<TendReport>({ seedFailures: [] });
        }),
        tap({
          next: () => {
            this.tendCount++;
            this.publishNodes();
            this.warmPools();
          },
          finalize: () => {
            this.tending = false;
            listen.unsubscribe();
            if (span !== undefined) span.nodes = this.active.size;
            finishSpan(clusterChannels.tend, span);
          },
        }),
      );
    });
  }

  private publishNodes(): void {
    if (this.closed) return;
    const next = this.activeNodes().map((n) => n.info());
    const current = this.nodesSubject.value;
    const same = next.length === current.length && next.every((n, i) => n.name === current[i]!.name && n.host === current[i]!.host && n.port === current[i]!.port);
    if (!same) this.nodesSubject.next(next);
  }

  /** Opens connections up to minConnsPerNode in the background; failures only count in the pool stats. */
  private warm(node: ClusterNode): void {
    const missing = node.pool.missingMin();
    for (let i = 0; i < missing; i++) this.background.add(node.pool.warm$().subscribe());
  }

  /** Tops every pool up to minConnsPerNode (after idle trimming or failures). */
  warmPools(): void {
    for (const node of this.active.values()) this.warm(node);
  }
}

function describeEvent(event: ClusterEvent): string {
  switch (event.type) {
    case 'node_added':
      return `node_added:${event.node.name}`;
    case 'node_removed':
      return `node_removed:${event.node.name}:${event.reason}`;
    case 'partitions_changed':
      return `partitions:${event.namespace}:${event.node}`;
    default:
      return `tend_error:${event.phase}:${event.node ?? event.address ?? ''}`;
  }
}

function seedError(failures: readonly SeedFailure[], seeds: readonly string[]): AerospikeError {
  const reasons = seeds.map((seed) => {
    const failure = failures.find((f) => f.seed === seed);
    return `${seed}: ${failure === undefined ? 'not tried' : `${failure.error.code} (${failure.error.message})`}`;
  });
  return new AerospikeError('connection_error', `no seed could be validated: ${reasons.join('; ')}`, {
    ...(failures.length > 0 && { cause: failures[failures.length - 1]!.error }),
  });
}
