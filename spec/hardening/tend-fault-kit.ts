// The tend fault matrix's bench: a FakeCluster of A, B, C (RF 2) behind credentials, one cell run in
// virtual time from connect$ to close(), with everything the matrix asserts recorded on the way:
// events and their instants, reads, the node list and map at the repair check, connections still
// open, scheduler actions left, completions, and every text a log line could show. Spec support only.

import { inspect } from 'node:util';
import { Cluster } from '../../lib/cluster/cluster';
import type { ClusterEvent } from '../../lib/cluster/cluster-events';
import type { ClusterOptions } from '../../lib/cluster/cluster-options';
import { ParticleType } from '../../lib/protocol/constants';
import { PARTITION_COUNT } from '../../lib/protocol/digest';
import { rawParticle } from '../../lib/protocol/particle';
import { bitmapOf, encodeReplicas } from '../../lib/protocol/replicas';
import { keyDigest, type RecordKey } from '../../lib/protocol/requests';
import { FakeCluster, type FakeClusterOptions } from '../../lib/testing/fake-cluster';
import { getCommand, partitionOf, readPolicy, runMarbles } from '../cluster/cluster-harness';
import { errorTexts, secretForms } from './hardening-kit';

export const USER = 'matrix-user';
export const PASSWORD = 'tend-Matrix-Pa55word!';
export const MEMBERS = ['A', 'B', 'C'] as const;
/** A node that is not a member at first (cells that make it join). */
export const JOINER = 'D';
/** An address no fake node listens on: connects to it are refused. */
export const NOWHERE = { host: '10.0.0.99', port: 3000 } as const;

/** Faults go in between the tends at 1000 and 2000 ms. */
export const FAULT_AT_MS = 1500;
/** Where a cell takes away a fault that does not end by itself (a killed node revives). */
export const CLEAR_AT_MS = 2500;
/** Reads: while the faulted tend may still run (a timeout holds it until 3000), after it, and after the repair. */
export const READ_AT_MS = [2100, 3500, 6500] as const;
export const REPAIR_AT_MS = 6600;
export const CLOSE_AT_MS = 7000;
export const HORIZON_MS = 12_000;

export interface CellStep {
  readonly atMs: number;
  run(fake: FakeCluster): void;
}

export interface CellPlan {
  /** FakeCluster options beyond the members (sessionTtlSeconds 600 unless given). */
  readonly fake?: Partial<FakeClusterOptions>;
  /** Cluster options beyond transport, scheduler and credentials (seeds default to A). */
  readonly options?: Partial<ClusterOptions>;
  /** Adds JOINER as a non-member before connecting. */
  readonly joiner?: boolean;
  /** Runs before connect$. */
  before?(fake: FakeCluster): void;
  readonly steps?: readonly CellStep[];
  /** The node names the repaired cluster must have. */
  readonly truth: readonly string[];
}

export interface ReadResult {
  readonly atMs: number;
  readonly key: string;
  readonly outcome: string;
}

export interface CellOutcome {
  readonly connectError: unknown;
  readonly events: readonly { readonly atMs: number; readonly event: ClusterEvent }[];
  readonly reads: readonly ReadResult[];
  /** At REPAIR_AT_MS. */
  readonly repair: {
    readonly names: readonly string[];
    readonly published: readonly string[];
    readonly namespaces: readonly string[];
    /** Slots that differ from the fake's ownership, as `partition/replica: client vs truth` (the first few). */
    readonly mapMismatches: readonly string[];
    readonly mismatchCount: number;
    readonly failing: readonly string[];
    /** Fake nodes with more open connections than the cluster holds (tend connection + pool). */
    readonly unheld: Readonly<Record<string, number>>;
  };
  readonly openAfterClose: Readonly<Record<string, number>>;
  readonly pendingActions: number;
  readonly completed: { readonly events: boolean; readonly nodes: boolean };
  /** Every text the cell produced that a log line could show. */
  readonly texts: readonly string[];
  /** Every form of the password and of every token the fake issued, by label. */
  readonly secrets: Readonly<Record<string, readonly string[]>>;
  readonly tokensIssued: number;
}

/** 24 keys, each stored with bin v = `value-<i>`, spread over partitions every member masters. */
export const KEYS: readonly RecordKey[] = Array.from({ length: 24 }, (_, i) => ({ namespace: 'test', set: 'matrix', key: `k${i}` }));

const INSPECT_ALL = { showHidden: true, getters: true, depth: 10 } as const;

export function signature(event: ClusterEvent): string {
  if (event.type !== 'tend_error') return event.type;
  const where = `${event.node ?? ''}${event.address === undefined ? '' : `@${event.address}`}`;
  return `${event.phase}:${where}:${event.error.code}`;
}

/** The `replicas` value `name` would send now, with every namespace's regime replaced. */
export function replicasWithRegime(fake: FakeCluster, name: string, regime: number): string {
  return encodeReplicas(
    fake.namespaces.map((namespace) => {
      const held: number[][] = [[], []];
      for (let p = 0; p < PARTITION_COUNT; p++) fake.replicas(namespace, p).forEach((owner, i) => owner === name && i < 2 && held[i]!.push(p));
      return { namespace, regime, replicaCount: 2, bitmaps: held.map((ps) => bitmapOf(ps)) };
    }),
  );
}

export function runCell(plan: CellPlan): CellOutcome {
  const texts: string[] = [];
  const events: { atMs: number; event: ClusterEvent }[] = [];
  const reads: ReadResult[] = [];
  const completed = { events: false, nodes: false };
  let connectError: unknown;
  let repair: CellOutcome['repair'] | undefined;
  const openAfterClose: Record<string, number> = {};
  let fake: FakeCluster | undefined;
  let pendingActions = -1;

  runMarbles((run) => {
    const f = new FakeCluster({ nodes: [...MEMBERS], sessionTtlSeconds: 600, ...plan.fake });
    fake = f;
    if (plan.joiner === true) f.addNode({ name: JOINER });
    for (const [i, key] of KEYS.entries()) f.store.getOrCreate('test', 'matrix', keyDigest(key)).record.bins.set('v', rawParticle(ParticleType.STRING, Buffer.from(`value-${i}`)));
    plan.before?.(f);
    for (const step of plan.steps ?? []) run.at(step.atMs, () => step.run(f));
    let cluster: Cluster | undefined;
    let published: readonly string[] = [];
    Cluster.connect$({ ...f.clientOptions(), user: USER, password: PASSWORD, ...plan.options }).subscribe({
      next: (c) => {
        cluster = c;
        c.events$.subscribe({ next: (event) => events.push({ atMs: run.scheduler.now(), event }), complete: () => (completed.events = true) });
        c.nodes$.subscribe({ next: (nodes) => (published = nodes.map((n) => n.name)), complete: () => (completed.nodes = true) });
      },
      error: (err: unknown) => {
        connectError = err;
        texts.push(...errorTexts(err));
      },
    });
    for (const atMs of READ_AT_MS) {
      run.at(atMs, () => {
        if (cluster === undefined) return;
        // inspect is the costly part of a cell (the map's 4096-slot arrays print whole nodes): while the
        // fault may still act, arrays are cut short (their elements are the same node objects)
        if (atMs === READ_AT_MS[0]) texts.push(inspect(cluster, { ...INSPECT_ALL, maxArrayLength: 8 }));
        texts.push(JSON.stringify(cluster.stats()));
        for (const [i, key] of KEYS.entries()) {
          const record = (outcome: string): void => void reads.push({ atMs, key: String(key.key), outcome });
          cluster.execute$(getCommand(key), readPolicy()).subscribe({
            next: (value) => record(JSON.stringify(value) === JSON.stringify({ v: `value-${i}` }) ? 'ok' : `wrong value ${JSON.stringify(value)}`),
            error: (err: unknown) => {
              texts.push(...errorTexts(err));
              record(`error ${(err as { code?: string }).code}: ${(err as Error).message}`);
            },
          });
        }
      });
    }
    run.at(REPAIR_AT_MS, () => {
      if (cluster === undefined) return;
      repair = snapshot(f, cluster, published, fakeIds(plan));
      texts.push(inspect(cluster, INSPECT_ALL), JSON.stringify(cluster.stats()), inspect(cluster.stats(), { depth: Infinity }));
    });
    run.at(CLOSE_AT_MS, () => {
      cluster?.close();
      for (const id of fakeIds(plan)) openAfterClose[id] = f.transport.openConnections(id);
    });
    // actions still armed once the horizon is reached: a timer or a tend nobody cancelled
    run.at(HORIZON_MS - 1, () => (pendingActions = run.scheduler.actions.filter((a) => !a.closed).length));
  }, HORIZON_MS);

  for (const { event } of events) {
    texts.push(inspect(event, { depth: Infinity, showHidden: true }));
    if (event.type === 'tend_error') texts.push(...errorTexts(event.error));
  }
  const secrets: Record<string, string[]> = { password: secretForms(PASSWORD) };
  let tokensIssued = 0;
  for (const id of fakeIds(plan)) {
    for (let n = 1; n <= fake!.loginCount(id); n++) {
      secrets[`token-${id}-${n}`] = secretForms(`token-${id}-${n}`);
      tokensIssued++;
    }
  }
  return {
    connectError,
    events,
    reads,
    repair: repair ?? { names: [], published: [], namespaces: [], mapMismatches: ['no cluster at the repair check'], mismatchCount: -1, failing: [], unheld: {} },
    openAfterClose,
    pendingActions,
    completed,
    texts,
    secrets,
    tokensIssued,
  };
}

function fakeIds(plan: CellPlan): string[] {
  return plan.joiner === true ? [...MEMBERS, JOINER] : [...MEMBERS];
}

function snapshot(fake: FakeCluster, cluster: Cluster, published: readonly string[], ids: readonly string[]): CellOutcome['repair'] {
  const map = cluster.currentMap();
  const mismatches: string[] = [];
  let mismatchCount = 0;
  const count = map.namespace('test')?.replicaCount ?? 0;
  for (let p = 0; p < PARTITION_COUNT; p++) {
    const truth = fake.replicas('test', p);
    for (let i = 0; i < Math.max(count, truth.length); i++) {
      const client = map.node('test', p, i)?.name;
      if (client === truth[i]) continue;
      mismatchCount++;
      if (mismatches.length < 5) mismatches.push(`${p}/${i}: ${client ?? '-'} vs ${truth[i] ?? '-'}`);
    }
  }
  const unheld: Record<string, number> = {};
  for (const id of ids) {
    const node = cluster.activeNodes().find((n) => `${n.host}:${n.port}` === fake.seeds(id));
    const held = node === undefined ? 0 : (node.tendConn?.isOpen === true ? 1 : 0) + node.pool.stats().open;
    const open = fake.transport.openConnections(id);
    if (open > held) unheld[id] = open - held;
  }
  return {
    names: cluster.activeNodes().map((n) => n.name),
    published,
    namespaces: map.namespaceNames,
    mapMismatches: mismatches,
    mismatchCount,
    failing: cluster.activeNodes().filter((n) => n.failures > 0).map((n) => n.name),
    unheld,
  };
}

/** Keys by the member that masters them (the kit's sanity check: every member serves some). */
export function keysByMaster(fake: FakeCluster): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of KEYS) {
    const master = fake.replicas('test', partitionOf(key))[0]!;
    out[master] = (out[master] ?? 0) + 1;
  }
  return out;
}
