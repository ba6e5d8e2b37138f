// Soak: 100,000 command$ (gets and puts) over 64 connections to an in-process SimulatedNode, with a
// stream$ scan aborted after its first frame every 500 commands (its connection is destroyed and
// replaced). Prints heap and active handles at start, middle and end, after a GC when --expose-gc
// is on (npm run soak sets it), and exits 1 when the end is not flat.
//
// Env: SOAK_COMMANDS (default 100000), SOAK_CONNECTIONS (64), SOAK_ABORT_EVERY (500).

import { firstValueFrom, lastValueFrom } from 'rxjs';
import { take } from 'rxjs/operators';
import { AerospikeError } from '../lib/errors';
import { TcpTransport } from '../lib/net/tcp-transport';
import type { Connection } from '../lib/node-transport';
import { encodeGet, encodePut } from '../lib/protocol/requests';
import { encodePartitionScan } from '../lib/protocol/scan-request';
import { SimulatedNode } from '../lib/testing/simulated-node';
import { gc, settledMemory } from './heap-snapshot';

const COMMANDS = Number(process.env['SOAK_COMMANDS'] ?? 100_000);
const CONNECTIONS = Number(process.env['SOAK_CONNECTIONS'] ?? 64);
const ABORT_EVERY = Number(process.env['SOAK_ABORT_EVERY'] ?? 500);
const RECORDS = 1000;
const DEADLINE_MS = 5000;
/** Heap growth (after GC) from start to end that still counts as flat. */
const FLAT_HEAP_BYTES = 8 * 2 ** 20;

interface Snapshot {
  readonly label: string;
  readonly heapUsedMiB: number;
  readonly externalMiB: number;
  readonly rssMiB: number;
  readonly handles: Record<string, number>;
}

async function snapshot(label: string): Promise<Snapshot> {
  const m = await settledMemory();
  console.log(`${label.padEnd(26)} ${m.memoryText}; handles ${m.handlesText}`);
  return { label, heapUsedMiB: m.heapUsedMiB, externalMiB: m.externalMiB, rssMiB: m.rssMiB, handles: m.handles };
}

async function main(): Promise<void> {
  if (gc === undefined) console.log('(no --expose-gc: figures are without a forced GC)');
  const node = await SimulatedNode.start({ scanFrameBytes: 4096 });
  node.seed('test', 'soak', RECORDS, 64);
  const transport = new TcpTransport();
  const connect = (): Promise<Connection> => firstValueFrom(transport.connect$('127.0.0.1', node.port, { nodeName: 'soak' }));
  const lanes: Connection[] = await Promise.all(Array.from({ length: CONNECTIONS }, connect));

  // a short warm-up so JIT and pools settle before the baseline
  await Promise.all(lanes.map((c, i) => firstValueFrom(transport.command$(c, encodeGet({ namespace: 'test', set: 'soak', key: i % RECORDS }), DEADLINE_MS))));
  const start = await snapshot('start (64 connections)');

  let issued = 0;
  let completed = 0;
  let failed = 0;
  let aborted = 0;
  let reconnects = 0;
  let mid: Snapshot | undefined;
  let midPending: Promise<void> | undefined;
  const failures: string[] = [];
  const startedAt = Date.now();

  const lane = async (i: number): Promise<void> => {
    while (issued < COMMANDS) {
      const n = issued++;
      if (n > 0 && n % ABORT_EVERY === 0) {
        // a scan aborted after its first frame: the socket is destroyed, the lane reconnects
        const scan = encodePartitionScan({ namespace: 'test', set: 'soak', taskId: n + 1 });
        await lastValueFrom(transport.stream$(lanes[i]!, scan, DEADLINE_MS).pipe(take(1)));
        aborted++;
        if (lanes[i]!.isOpen) failures.push(`lane ${i}: connection still open after an aborted stream`);
        lanes[i] = await connect();
        reconnects++;
      }
      const key = { namespace: 'test', set: 'soak', key: n % RECORDS };
      const request = n % 4 === 0 ? encodePut(key, { n, tag: `soak-${n}` }) : encodeGet(key);
      try {
        const body = await firstValueFrom(transport.command$(lanes[i]!, request, DEADLINE_MS));
        if (body[5] !== 0) throw new Error(`result code ${body[5]}`);
        completed++;
      } catch (err) {
        failed++;
        if (failures.length < 10) failures.push(err instanceof AerospikeError ? `${err.code}: ${err.message}` : String(err));
        if (!lanes[i]!.isOpen) lanes[i] = await connect();
      }
      if (mid === undefined && midPending === undefined && completed >= COMMANDS / 2) {
        midPending = snapshot('middle (64 connections)').then((s) => {
          mid = s;
        });
        await midPending;
      }
    }
  };
  await Promise.all(lanes.map((_, i) => lane(i)));
  const seconds = (Date.now() - startedAt) / 1000;
  const end = await snapshot('end (64 connections)');
  for (const c of lanes) transport.close(c);
  const closed = await snapshot('end, connections closed');
  const stats = node.stats;
  await node.stop();
  const stopped = await snapshot('end, node stopped');

  console.log(
    `\n${completed} command$ ok, ${failed} failed, ${aborted} streams aborted (+${reconnects} reconnects) over ${CONNECTIONS} connections in ${seconds.toFixed(1)} s ` +
      `(${Math.round(completed / seconds)} ops/s); server: ${stats.connectionsOpened} sockets opened, ${stats.connectionsClosed} closed`,
  );
  const heapGrowth = (end.heapUsedMiB - start.heapUsedMiB) * 2 ** 20;
  const sockets = (s: Snapshot): number => s.handles['TCPSocketWrap'] ?? 0;
  const problems = [...failures];
  if (failed > 0) problems.push(`${failed} commands failed`);
  if (sockets(end) !== sockets(start)) problems.push(`sockets at the end ${sockets(end)} ≠ at the start ${sockets(start)}`);
  if (sockets(closed) !== 0 || sockets(stopped) !== 0) problems.push(`sockets left after closing: ${sockets(closed)}, after stopping the node: ${sockets(stopped)}`);
  if ((stopped.handles['Timeout'] ?? 0) > (start.handles['Timeout'] ?? 0)) problems.push(`timers left: ${stopped.handles['Timeout']}`);
  if (gc !== undefined && heapGrowth > FLAT_HEAP_BYTES) problems.push(`heap grew ${(heapGrowth / 2 ** 20).toFixed(1)} MiB from start to end`);
  console.log(`heap start → middle → end: ${start.heapUsedMiB.toFixed(1)} → ${mid?.heapUsedMiB.toFixed(1)} → ${end.heapUsedMiB.toFixed(1)} MiB (${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / 2 ** 20).toFixed(2)} MiB)`);
  console.log(problems.length === 0 ? 'soak: flat' : `soak: NOT flat\n  ${problems.join('\n  ')}`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
