// The bare transport in its own process: TcpTransport connect$ + command$ only, each request encoded
// before the run and sent to its partition's master, found once from every node's `replicas` info
// (no client, no tender, no pool). The floor the client's get$/put$ CPU is compared to. Each loop
// owns one connection per node, as the server answers one transaction at a time per connection.
// For a scan: each node is sent one partition scan of the partitions it masters, all nodes at once,
// over stream$ with lent frames, and records are counted by walking message headers (no decoding):
// the floor of socket and server that a scan's records/s can reach on this machine.

import { firstValueFrom, merge, type Observer } from 'rxjs';
import { TcpTransport, type Connection } from '../../lib/index';
import { computeDigest, partitionId, PARTITION_COUNT } from '../../lib/protocol/digest';
import { parsePeers } from '../../lib/protocol/peers';
import { parseReplicas, partitionInBitmap } from '../../lib/protocol/replicas';
import { encodeGet, encodePut } from '../../lib/protocol/requests';
import { encodePartitionScan } from '../../lib/protocol/scan-request';
import { AS_MSG_HEADER_SIZE, Info3, PROTO_HEADER_SIZE } from '../../lib/protocol/constants';
import { blob, NAMESPACE, RECORD_SET, SCAN_SETS, TOTAL_TIMEOUT_MS, type WorkerJob, type WorkerResult } from './data';
import { measureLoad, measureOnce, workerMain } from './measure';

// the reply body's result code: byte 5 of the 22-byte as_msg header (after the 8-byte proto header)
const RESULT_CODE_OFFSET = 5;

interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

workerMain(async (job) => {
  // BENCH_COALESCE=0: requests written as begun, for an A/B of the transport's write coalescing
  const transport = new TcpTransport({ coalesceWrites: process.env.BENCH_COALESCE !== '0' });
  const nodes = await discover(transport, job.hosts);
  const masters = await masterTable(transport, nodes);
  if (job.op === 'scan') return scan(transport, job, nodes, masters);
  const conns = await Promise.all(Array.from({ length: job.concurrency }, () => Promise.all(nodes.map((n) => firstValueFrom(transport.connect$(n.host, n.port))))));
  try {
    return await load(transport, job, conns, masters);
  } finally {
    conns.flat().forEach((c) => transport.close(c));
  }
});

async function load(transport: TcpTransport, job: WorkerJob, conns: Connection[][], masters: Uint8Array): Promise<WorkerResult> {
  const data = blob(RECORD_SET.blobBytes);
  const nodeOf = new Uint8Array(RECORD_SET.count);
  const requests: Buffer[] = [];
  for (let k = 0; k < RECORD_SET.count; k++) {
    const key = { namespace: NAMESPACE, set: RECORD_SET.name, key: k };
    nodeOf[k] = masters[partitionId(computeDigest(key.set, k))]!;
    requests.push(job.op === 'get' ? encodeGet(key, { timeoutMs: TOTAL_TIMEOUT_MS }) : encodePut(key, { n: k, data }, { timeoutMs: TOTAL_TIMEOUT_MS }));
  }
  const cursor = new Int32Array(job.concurrency).map((_, loop) => loop);
  let failed = 0;
  const observers: Array<Partial<Observer<Buffer>>> = [];
  return measureLoad(
    job,
    job.concurrency,
    (loop, done) => {
      const observer = (observers[loop] ??= {
        next: (body) => void (body[RESULT_CODE_OFFSET] !== 0 && failed++),
        error: () => (failed++, done()),
        complete: done,
      });
      const i = cursor[loop]!;
      cursor[loop] = i + job.concurrency;
      const k = i % RECORD_SET.count;
      transport.command$(conns[loop]![nodeOf[k]!]!, requests[k]!, TOTAL_TIMEOUT_MS).subscribe(observer);
    },
    () => failed,
  );
}

/**
 * A full scan after a whole one, as the client workers measure it: every node scans the partitions it
 * masters, all at once, each over its own connection, and the records of each frame are counted.
 */
async function scan(transport: TcpTransport, job: WorkerJob, nodes: readonly NodeAddress[], masters: Uint8Array): Promise<WorkerResult> {
  const set = SCAN_SETS[job.scan!];
  const partitionsOf = nodes.map((_, n) => Array.from(masters.keys()).filter((p) => masters[p] === n));
  let taskId = BigInt(Date.now()) << 16n;
  const count = async () => {
    const conns = await Promise.all(nodes.map((n) => firstValueFrom(transport.connect$(n.host, n.port))));
    let records = 0;
    let lasts = 0;
    try {
      const frames$ = merge(
        ...nodes.map((_, n) => transport.stream$(conns[n]!, encodePartitionScan({ namespace: NAMESPACE, set: set.name, partitionIds: partitionsOf[n]!, taskId: ++taskId }), 30_000, { lendFrames: true })),
      );
      await new Promise<void>((resolve, reject) =>
        frames$.subscribe({
          next: (frame) => {
            const counted = countRecords(frame);
            records += counted.records;
            lasts += counted.last;
          },
          error: reject,
          complete: resolve,
        }),
      );
      return { records, failed: lasts === nodes.length ? 0 : 1 };
    } finally {
      conns.forEach((c) => transport.close(c));
    }
  };
  await count();
  return measureOnce(count, job.cpuProfile);
}

/**
 * The records in one scan frame (proto header, then as_msg messages): messages that are neither a
 * partition's PARTITION_DONE nor the LAST one, found by the header's field and op counts and sizes.
 */
function countRecords(frame: Buffer): { records: number; last: number } {
  let records = 0;
  let last = 0;
  let at = PROTO_HEADER_SIZE;
  while (at < frame.length) {
    const info3 = frame[at + 3]!;
    const fields = frame.readUInt16BE(at + 18);
    const ops = frame.readUInt16BE(at + 20);
    at += AS_MSG_HEADER_SIZE;
    for (let i = 0; i < fields + ops; i++) at += 4 + frame.readUInt32BE(at);
    if ((info3 & Info3.LAST) !== 0) last = 1;
    else if ((info3 & Info3.PARTITION_DONE) === 0) records++;
  }
  return { records, last };
}

/** The seeds, plus any peer they list that is not among them. */
async function discover(transport: TcpTransport, hosts: string): Promise<NodeAddress[]> {
  const nodes = hosts.split(',').map((h) => ({ host: h.slice(0, h.lastIndexOf(':')), port: Number(h.slice(h.lastIndexOf(':') + 1)) }));
  const reply = await info(transport, nodes[0]!, ['peers-clear-std']);
  for (const peer of parsePeers(reply['peers-clear-std'] ?? '').peers) {
    const address = peer.addresses[0];
    if (address !== undefined && !nodes.some((n) => n.host === address.host && n.port === address.port)) nodes.push(address);
  }
  return nodes;
}

/** masters[partition] = index in `nodes` of the node holding replica 0 of it. */
async function masterTable(transport: TcpTransport, nodes: readonly NodeAddress[]): Promise<Uint8Array> {
  const masters = new Uint8Array(PARTITION_COUNT).fill(255);
  for (const [index, node] of nodes.entries()) {
    const segment = parseReplicas((await info(transport, node, ['replicas']))['replicas'] ?? '').find((s) => s.namespace === NAMESPACE);
    const bitmap = segment?.bitmaps[0];
    if (bitmap === undefined) continue;
    for (let p = 0; p < PARTITION_COUNT; p++) if (partitionInBitmap(bitmap, p)) masters[p] = index;
  }
  const missing = masters.indexOf(255);
  if (missing >= 0) throw new Error(`partition ${missing} of ${NAMESPACE} has no master among ${nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`);
  return masters;
}

async function info(transport: TcpTransport, node: NodeAddress, names: string[]) {
  const conn = await firstValueFrom(transport.connect$(node.host, node.port));
  try {
    return await firstValueFrom(transport.info$(conn, names));
  } finally {
    transport.close(conn);
  }
}
