// One tend cycle (client-design.md §C4, cluster.md §3.2 J): seed when empty, refresh every node on
// its tend connection, list peers when anything changed, remove nodes by the J rules, fetch the
// partition maps that changed and merge them. Never errors: faults become tend_error events.

import { catchError, concat, defer, EMPTY, forkJoin, ignoreElements, map, mergeMap, of, type Observable } from 'rxjs';
import { AerospikeError } from '../errors';
import { parseGeneration } from '../protocol/generation';
import { parseRackIds } from '../protocol/racks';
import { parseReplicas } from '../protocol/replicas';
import type { TendPhase } from './cluster-events';
import type { ClusterNode } from './cluster-node';
import { connectOptions } from './cluster-options';
import { loginOn$, openTendConnection$, withTlsName, type TendConnectOptions } from './node-session';
import type { ReplicasSegment } from './partition-map';
import { discoverPeers$ } from './peer-discovery';
import { asAerospikeError, seed$, type SeedFailure } from './seeder';
import { nodesByName, type TendHost } from './tend-host';

/** J: a node failing this many tends in a row while no node answers is removed. */
export const MAX_TEND_FAILURES = 5;
/**
 * A node whose tend connection is refused on this many tends in a row (the first may instead have
 * broken) is removed even if peers still list it.
 */
export const MAX_TEND_REFUSALS = 2;

export interface TendReport {
  /** Seeds refused in this cycle (only when it had to seed). */
  readonly seedFailures: readonly SeedFailure[];
}

interface PartitionsFetch {
  readonly node: ClusterNode;
  readonly generation: number;
  readonly segments: readonly ReplicasSegment[];
}

export class Tender {
  private peersRefreshNeeded = true;
  private tends = 0;

  constructor(private readonly host: TendHost) {}

  /** Cold: one cycle; emits its report and completes. */
  tend$(): Observable<TendReport> {
    return defer(() => {
      let seedFailures: readonly SeedFailure[] = [];
      const seeding$ = this.host.nodes.size === 0 ? seed$(this.host).pipe(map((f) => void (seedFailures = f))) : EMPTY;
      const steps$ = concat(
        seeding$,
        defer(() => this.refreshAll$()),
        defer(() => this.peers$()),
        defer(() => {
          this.removeNodes();
          return this.partitions$();
        }),
      ).pipe(ignoreElements());
      return concat(
        steps$,
        defer(() => {
          this.housekeeping();
          return of<TendReport>({ seedFailures });
        }),
      );
    });
  }

  // ---- refresh ---------------------------------------------------------------------------

  private refreshAll$(): Observable<unknown> {
    const nodes = nodesByName(this.host);
    for (const node of nodes) node.answeredThisTend = false;
    if (nodes.length === 0) return EMPTY;
    return forkJoin(nodes.map((node) => this.refresh$(node)));
  }

  private tendOptions(node: ClusterNode): TendConnectOptions {
    const options = this.host.tendConnectOptions(node.name);
    return { ...options, connect: withTlsName(options.connect, node.tlsName) };
  }

  private refreshInfoNames(): string[] {
    const names = ['node', 'peers-generation', 'partition-generation'];
    if (this.host.options.rackIds.length > 0) names.push('rebalance-generation');
    return names;
  }

  private refresh$(node: ClusterNode): Observable<unknown> {
    let phase: TendPhase = 'refresh';
    return defer(() => {
      const open = node.tendConn !== undefined && node.tendConn.isOpen;
      const conn$ = open
        ? of(node.tendConn!)
        : openTendConnection$(this.host.transport, this.host.scheduler, node.host, node.port, this.tendOptions(node), () => (phase = 'login')).pipe(
            map((opened) => {
              node.tendConn = opened.conn;
              node.session = opened.session;
              node.securityEnabled = opened.securityEnabled;
              node.loginNeeded = false;
              return opened.conn;
            }),
          );
      return conn$.pipe(
        mergeMap((conn) => {
          const expired = node.session?.expiresAtMs !== undefined && this.host.scheduler.now() >= node.session.expiresAtMs;
          if (!open || !(node.loginNeeded || expired)) return of(conn);
          phase = 'login';
          return loginOn$(this.host.transport, this.host.scheduler, conn, connectOptions(this.host.options)).pipe(
            map((result) => {
              node.session = result.session;
              node.securityEnabled = result.securityEnabled;
              node.loginNeeded = false;
              return conn;
            }),
          );
        }),
        mergeMap((conn) => {
          phase = 'refresh';
          return this.host.transport.info$(conn, this.refreshInfoNames());
        }),
        map((reply) => this.applyRefresh(node, reply)),
      );
    }).pipe(
      catchError((err: unknown) => {
        this.refreshFailed(node, phase, err);
        return of(undefined);
      }),
    );
  }

  private applyRefresh(node: ClusterNode, reply: Readonly<Record<string, string>>): void {
    const name = reply['node'];
    if (name === undefined || name.length === 0 || name.startsWith('ERROR')) {
      throw new AerospikeError('parse_error', `node: the refresh reply of ${node.name} has no node name`);
    }
    const peersGeneration = parseGeneration(reply['peers-generation'], 'peers-generation');
    const partitionGeneration = parseGeneration(reply['partition-generation'], 'partition-generation', { allowMinusOne: true });
    if (name !== node.name) {
      // J: another node now answers at this address; this one is gone (removed this tend)
      node.renamed = true;
      throw new AerospikeError('invalid_node', `node ${node.name} at ${node.address} now answers as ${name}`, { node: node.name });
    }
    // as at validation (J): a node that is not initialized has no map to trust; it is failing until it is
    if (partitionGeneration === -1) throw notInitialized(node);
    if (node.failures > 0) {
      // recovered: everything it knew may be stale
      this.peersRefreshNeeded = true;
      node.partitionsStale = true;
    }
    if (peersGeneration !== node.peersGeneration) {
      this.peersRefreshNeeded = true;
      if (node.peersGeneration >= 0 && peersGeneration < node.peersGeneration) {
        // quick restart (J): the node came back with a fresh process
        node.errorCount = 0;
        if (node.session !== undefined) node.loginNeeded = true;
      }
    }
    if (partitionGeneration !== node.partitionGeneration) node.partitionsStale = true;
    const rebalance = reply['rebalance-generation'];
    if (rebalance !== undefined) {
      const generation = parseGeneration(rebalance, 'rebalance-generation');
      if (generation !== node.rebalanceGeneration) node.racksStale = true;
      node.pendingRebalanceGeneration = generation;
    }
    node.failures = 0;
    node.tendRefusals = 0;
    node.answeredThisTend = true;
    node.counters.tendsOk++;
  }

  private refreshFailed(node: ClusterNode, phase: TendPhase, err: unknown): void {
    const error = asAerospikeError(err, `${phase} of ${node.name}`);
    node.failures++;
    node.counters.tendsFailed++;
    // a SIGKILLed server resets its sockets as it exits, often under a tend's info: a tend connection
    // that broke is the first strike, so the refused reconnect of the next tend removes the node
    node.tendRefusals = error.code === 'connection_error' ? node.tendRefusals + 1 : error.code === 'network_error' ? 1 : 0;
    if (node.tendConn !== undefined) this.host.transport.close(node.tendConn);
    node.tendConn = undefined;
    this.peersRefreshNeeded = true;
    this.host.emit({ type: 'tend_error', phase, node: node.name, error });
  }

  // ---- peers and removal ----------------------------------------------------------------

  private peersRefreshedThisTend = false;
  /** Peers listings that succeeded this tend: the reference counts mean something only when one did. */
  private peersListedThisTend = 0;

  private peers$(): Observable<unknown> {
    this.peersRefreshedThisTend = false;
    this.peersListedThisTend = 0;
    const added = nodesByName(this.host).some((n) => n.peersGeneration === -1 && n.answeredThisTend);
    if (!this.peersRefreshNeeded && !added) return EMPTY;
    this.peersRefreshNeeded = false;
    this.peersRefreshedThisTend = true;
    const askers = nodesByName(this.host).filter((n) => n.answeredThisTend);
    return discoverPeers$(this.host, askers).pipe(map((listed) => void (this.peersListedThisTend = listed)));
  }

  private removeNodes(): void {
    const nodes = nodesByName(this.host);
    const answered = nodes.filter((n) => n.answeredThisTend).length;
    let removed = false;
    for (const node of nodes) {
      if (node.renamed) this.host.remove(node, 'name_changed');
      else if (node.tendRefusals >= MAX_TEND_REFUSALS) this.host.remove(node, 'refused');
      else if (!this.peersRefreshedThisTend) continue;
      else if (answered === 0 && node.failures >= MAX_TEND_FAILURES) this.host.remove(node, 'unreachable');
      // J counts nodes that answered the refresh here, so a tend whose every peers listing failed (a
      // timeout, a malformed reply) would find every node in no list and remove them all: we count listings
      else if (nodes.length > 1 && this.peersListedThisTend > 0 && node.referenceCount === 0 && (node.failures > 0 || !this.host.partitionMap.owns(node))) {
        this.host.remove(node, 'not_in_peers');
      } else continue;
      removed = true;
    }
    // a node still listed by its peers is looked for again next tend
    if (removed) this.peersRefreshNeeded = true;
  }

  // ---- partition maps and racks ---------------------------------------------------------

  private partitions$(): Observable<unknown> {
    const nodes = nodesByName(this.host);
    const answered = nodes.filter((n) => n.answeredThisTend).length;
    // J's split-cluster guard: a node that sees no peers while others answered is not trusted for the map
    const targets = nodes.filter((n) => n.answeredThisTend && n.partitionsStale && !(n.peersCount === 0 && answered > 1));
    const racks = this.host.options.rackIds.length > 0 ? nodes.filter((n) => n.answeredThisTend && n.racksStale) : [];
    if (targets.length === 0 && racks.length === 0) return EMPTY;
    const partitions$ = targets.length === 0 ? of([]) : forkJoin(targets.map((n) => this.fetchPartitions$(n)));
    const racks$ = racks.length === 0 ? of([]) : forkJoin(racks.map((n) => this.fetchRacks$(n)));
    return forkJoin([partitions$, racks$]).pipe(
      map(([fetched]) => {
        // merged in node-name order, whatever order the replies came in
        for (const fetch of fetched) if (fetch !== undefined) this.mergePartitions(fetch);
      }),
    );
  }

  private fetchPartitions$(node: ClusterNode): Observable<PartitionsFetch | undefined> {
    const conn = node.tendConn;
    if (conn === undefined) return of(undefined);
    return this.host.transport.info$(conn, ['partition-generation', 'replicas']).pipe(
      map((reply) => {
        const generation = parseGeneration(reply['partition-generation'], 'partition-generation', { allowMinusOne: true });
        if (generation === -1) throw notInitialized(node);
        return { node, generation, segments: parseReplicas(reply['replicas'] ?? missing('replicas')) };
      }),
      catchError((err: unknown) => {
        const error = asAerospikeError(err, `replicas of ${node.name}`);
        // a reply that cannot be read is only reported; any other failure is the node's, reported once by refreshFailed
        if (error.code === 'parse_error') this.host.emit({ type: 'tend_error', phase: 'partitions', node: node.name, error });
        else this.refreshFailed(node, 'partitions', error);
        return of(undefined);
      }),
    );
  }

  private mergePartitions({ node, generation, segments }: PartitionsFetch): void {
    if (!node.active) return;
    const result = this.host.partitionMap.merge(node, segments);
    this.host.partitionMap = result.map;
    // J: a node that lost slots refetches its own map next tend
    for (const displaced of result.displaced) displaced.partitionsStale = true;
    node.partitionGeneration = generation;
    // a map with stale regimes is fetched again until the node catches up (cluster.md §4.4); J logs it once per parse
    node.partitionsStale = result.staleRegimes.size > 0;
    if (node.partitionsStale) {
      const stale = [...result.staleRegimes].map(([namespace, count]) => `${count} partitions of ${namespace}`).join(', ');
      const error = new AerospikeError('invalid_node', `node ${node.name} reports regimes below the map's for ${stale}: ignored until it catches up`, { node: node.name });
      this.host.emit({ type: 'tend_error', phase: 'partitions', node: node.name, error });
    }
    for (const namespace of result.changed) this.host.emit({ type: 'partitions_changed', namespace, node: node.name, generation });
  }

  private fetchRacks$(node: ClusterNode): Observable<void> {
    const conn = node.tendConn;
    if (conn === undefined) return of(undefined);
    return this.host.transport.info$(conn, ['rebalance-generation', 'rack-ids']).pipe(
      map((reply) => {
        node.racks = parseRackIds(reply['rack-ids'] ?? '');
        node.rebalanceGeneration = node.pendingRebalanceGeneration;
        node.racksStale = false;
      }),
      catchError((err: unknown) => {
        this.host.emit({ type: 'tend_error', phase: 'racks', node: node.name, error: asAerospikeError(err, `rack-ids of ${node.name}`) });
        return of(undefined);
      }),
    );
  }

  // ---- after the cycle ------------------------------------------------------------------

  private housekeeping(): void {
    this.tends++;
    const window = this.host.options.errorRateWindow;
    for (const node of this.host.nodes.values()) {
      if (this.tends % window === 0) node.errorCount = 0;
      node.pool.trimIdle();
    }
  }
}

function notInitialized(node: ClusterNode): AerospikeError {
  return new AerospikeError('invalid_node', `node ${node.name} at ${node.address} is not yet fully initialized (partition-generation -1)`, { node: node.name });
}

function missing(name: string): never {
  throw new AerospikeError('parse_error', `${name}: the reply lacks it`);
}
