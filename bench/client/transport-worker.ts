// The bare transport in its own process: TcpTransport connect$ + command$ only, each request encoded
// before the run and sent to its partition's master, found once from every node's `replicas` info
// (no client, no tender, no pool). The floor the client's get$/put$ CPU is compared to. Each loop
// owns one connection per node, as the server answers one transaction at a time per connection.

import { firstValueFrom, type Observer } from 'rxjs';
import { TcpTransport, type Connection } from '../../lib/index';
import { computeDigest, partitionId, PARTITION_COUNT } from '../../lib/protocol/digest';
import { parsePeers } from '../../lib/protocol/peers';
import { parseReplicas, partitionInBitmap } from '../../lib/protocol/replicas';
import { encodeGet, encodePut } from '../../lib/protocol/requests';
import { blob, NAMESPACE, RECORD_SET, TOTAL_TIMEOUT_MS, type WorkerJob, type WorkerResult } from './data';
import { measureLoad, workerMain } from './measure';

// the reply body's result code: byte 5 of the 22-byte as_msg header (after the 8-byte proto header)
const RESULT_CODE_OFFSET = 5;

interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

workerMain(async (job) => {
  const transport = new TcpTransport();
  const nodes = await discover(transport, job.hosts);
  const masters = await masterTable(transport, nodes);
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
