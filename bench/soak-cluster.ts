// Soak of the record API over a cluster (issue 14): 200,000 mixed operations (get, put, exists,
// operate, delete, batchGet) from 32 lanes over a 3-node SimulatedCluster, a node killed 5,000
// operations into every 20,000 and revived 10,000 later, a scan cut short every 2,500 (scan$
// unsubscribed, scanIterable broken off). Prints heap and active handles at start, middle and end
// (all nodes up each time) after a GC (--expose-gc, as npm run soak:cluster sets), then after
// close() and after the cluster stops; exits 1 when the end is not flat or a socket is left.
//
// Env: SOAK_OPS (default 200000), SOAK_LANES (32), SOAK_CYCLE (20000), SOAK_SCAN_EVERY (2500).

import { Socket } from 'node:net';
import { firstValueFrom, lastValueFrom, take } from 'rxjs';
import { AerospikeClient, AerospikeError, op, type ClusterEvent } from '../lib/index';
import { SimulatedCluster } from '../lib/testing/simulated-cluster';
import { gc, settledMemory } from './heap-snapshot';

const OPS = Number(process.env['SOAK_OPS'] ?? 200_000);
const LANES = Number(process.env['SOAK_LANES'] ?? 32);
const CYCLE = Number(process.env['SOAK_CYCLE'] ?? 20_000);
const SCAN_EVERY = Number(process.env['SOAK_SCAN_EVERY'] ?? 2500);
const RECORDS = 2000;
const SET = 'soak-cluster';
/** Heap growth (after GC) from start to end that still counts as flat. */
const FLAT_HEAP_BYTES = 8 * 2 ** 20;
/** Tend fast enough that each kill is noticed (and each revive adopted) within its 10,000 operations. */
const TEND_INTERVAL_MS = 250;
const DETECTION_MS = 500;

interface Snapshot {
  readonly label: string;
  readonly heapUsedMiB: number;
  readonly handles: Record<string, number>;
  /** Open sockets of the client (to a node port) and of the simulated nodes (accepted on one). */
  readonly clientSockets: number;
  readonly serverSockets: number;
}

/** The nodes' listening ports, to tell client sockets from server ones. */
let nodePorts: ReadonlySet<number> = new Set();

/**
 * Sockets by side. process._getActiveHandles (undocumented, in Node 20) gives the objects: the
 * resource summary cannot be used for this, as a revived simulated node listens on its port
 * reservation, a socket-type handle that it reports as TCPSocketWrap.
 */
function socketsBySide(): { client: number; server: number } {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  let client = 0;
  let server = 0;
  for (const h of handles) {
    if (!(h instanceof Socket)) continue;
    if (h.remotePort !== undefined && nodePorts.has(h.remotePort)) client++;
    else if (h.localPort !== undefined && nodePorts.has(h.localPort)) server++;
  }
  return { client, server };
}

async function snapshot(label: string): Promise<Snapshot> {
  const m = await settledMemory();
  const bySide = socketsBySide();
  console.log(`${label.padEnd(34)} ${m.memoryText}; sockets client ${bySide.client} / server ${bySide.server}; handles ${m.handlesText}`);
  return { label, heapUsedMiB: m.heapUsedMiB, handles: m.handles, clientSockets: bySide.client, serverSockets: bySide.server };
}

const key = (k: number): { namespace: string; set: string; key: number } => ({ namespace: 'test', set: SET, key: k % RECORDS });

async function main(): Promise<void> {
  if (gc === undefined) console.log('(no --expose-gc: figures are without a forced GC)');
  const sim = await SimulatedCluster.start({ nodes: 3, replicationFactor: 2, detectionDelayMs: DETECTION_MS });
  sim.seed('test', SET, RECORDS, 64);
  nodePorts = new Set(sim.nodes.map((n) => n.port));
  const client = await firstValueFrom(AerospikeClient.connect$({ seeds: sim.seeds, tendIntervalMs: TEND_INTERVAL_MS }));
  const events = new Map<string, number>();
  const eventSub = client.events$.subscribe((e: ClusterEvent) => events.set(e.type, (events.get(e.type) ?? 0) + 1));

  let issued = 0;
  let completed = 0;
  let scansCut = 0;
  const failures = new Map<string, number>();
  const fail = (kind: string, error: unknown): void => {
    const label = `${kind} ${error instanceof AerospikeError ? `${error.code}${error.inDoubt ? '*' : ''}` : String(error)}`;
    failures.set(label, (failures.get(label) ?? 0) + 1);
  };

  const operation = async (n: number): Promise<void> => {
    const r = n % 20;
    try {
      if (r < 11) await firstValueFrom(client.get$(key(n)));
      else if (r < 15) await firstValueFrom(client.put$(key(n), { n, tag: `soak-${n}` }));
      else if (r < 16) await firstValueFrom(client.exists$(key(n)));
      else if (r < 17) await firstValueFrom(client.operate$(key(n), [op.add('n', 1), op.get('n')]));
      else if (r < 18) await firstValueFrom(client.delete$(key(n + 7)));
      else await firstValueFrom(client.batchGet$(Array.from({ length: 8 }, (_, i) => key(n + i * 97))));
    } catch (error) {
      fail(r < 11 || r === 15 || r >= 18 ? 'read' : 'write', error);
    }
  };

  /** A scan cut short after its first records: unsubscribed (scan$) or broken off (scanIterable). */
  const cutScan = async (n: number): Promise<void> => {
    try {
      if ((n / SCAN_EVERY) % 2 === 0) {
        await lastValueFrom(client.scan$('test', SET).pipe(take(50)));
      } else {
        let seen = 0;
        for await (const _record of client.scanIterable('test', SET)) if (++seen >= 50) break;
      }
      scansCut++;
    } catch (error) {
      fail('scan', error);
    }
  };

  // warm-up: every lane has a connection to every node before the baseline
  await Promise.all(Array.from({ length: LANES * 3 }, (_, i) => operation(i * 20)));
  const start = await snapshot('start');
  let middle: Snapshot | undefined;
  let end: Snapshot | undefined;
  const pausing: Promise<unknown>[] = [];
  let victim = 0;
  const startedAt = Date.now();

  /** Faults and snapshots at fixed operation counts; the lane that reaches one runs it. */
  const milestone = async (n: number): Promise<void> => {
    const inCycle = n % CYCLE;
    if (inCycle === CYCLE / 4) await sim.kill(victim);
    else if (inCycle === (3 * CYCLE) / 4) {
      await sim.revive(victim);
      victim = (victim + 1) % 3;
    } else if (n > 0 && inCycle === 0 && n === Math.floor(OPS / 2 / CYCLE) * CYCLE) {
      middle = await snapshot(`middle (${n} operations)`);
    }
    if (n > 0 && n % SCAN_EVERY === 0) await cutScan(n);
  };

  const lane = async (): Promise<void> => {
    while (issued < OPS) {
      const n = issued++;
      if (n % (CYCLE / 4) === 0 || n % SCAN_EVERY === 0) {
        const step = milestone(n);
        pausing.push(step);
        await step;
      }
      await operation(n);
      completed++;
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  await Promise.all(pausing);
  const seconds = (Date.now() - startedAt) / 1000;
  // the last revive was at 3/4 of the last cycle: give the client a few tends to adopt the node again
  for (let waited = 0; waited < 20 * TEND_INTERVAL_MS && client.stats().nodes.length < 3; waited += 50) await new Promise((r) => setTimeout(r, 50));
  end = await snapshot(`end (${completed} operations)`);
  const poolOpenBeforeClose = client.stats().nodes.reduce((s, n) => s + n.connections.open, 0);
  eventSub.unsubscribe();
  client.close();
  const closed = await snapshot('after client.close()');
  await sim.stop();
  const stopped = await snapshot('after the cluster stopped');

  const failed = [...failures].map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
  console.log(
    `\n${completed} operations in ${seconds.toFixed(1)} s (${Math.round(completed / seconds)} ops/s), ${scansCut} scans cut short; ` +
      `events: ${[...events].map(([k, v]) => `${k} ${v}`).join(', ')}; failures (* in doubt): ${failed}; ${poolOpenBeforeClose} pooled connections before close()`,
  );
  const problems: string[] = [];
  const heapGrowth = (end.heapUsedMiB - start.heapUsedMiB) * 2 ** 20;
  if (gc !== undefined && heapGrowth > FLAT_HEAP_BYTES) problems.push(`heap grew ${(heapGrowth / 2 ** 20).toFixed(1)} MiB from start to end`);
  // a pool holds at most about one connection per lane per node (plus a scan's): more means connections pile up
  if (end.clientSockets > LANES * 3 + 6) problems.push(`${end.clientSockets} client sockets at the end, more than one per lane per node`);
  if (closed.clientSockets !== 0) problems.push(`${closed.clientSockets} client sockets left after close()`);
  if (closed.serverSockets !== 0) problems.push(`${closed.serverSockets} server sockets still open after close() (the client did not close them)`);
  if (stopped.clientSockets + stopped.serverSockets !== 0 || (stopped.handles['TCPSocketWrap'] ?? 0) !== 0) problems.push('sockets left after the cluster stopped');
  if ((stopped.handles['Timeout'] ?? 0) > (start.handles['Timeout'] ?? 0)) problems.push(`timers left: ${stopped.handles['Timeout']}`);
  const readsFailed = [...failures].filter(([k]) => k.startsWith('read ')).reduce((sum, [, v]) => sum + v, 0);
  if (readsFailed > 0) problems.push(`${readsFailed} reads failed`);
  console.log(
    `heap start → middle → end: ${start.heapUsedMiB.toFixed(1)} → ${middle?.heapUsedMiB.toFixed(1) ?? '—'} → ${end.heapUsedMiB.toFixed(1)} MiB (${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / 2 ** 20).toFixed(2)} MiB); ` +
      `client sockets ${start.clientSockets} → ${middle?.clientSockets ?? '—'} → ${end.clientSockets} → ${closed.clientSockets} after close()`,
  );
  console.log(problems.length === 0 ? 'soak:cluster: flat' : `soak:cluster: NOT flat\n  ${problems.join('\n  ')}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
