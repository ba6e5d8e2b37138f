// One measurement of the hot-path bench: `client` runs AerospikeClient.get$/put$, `transport` runs
// TcpTransport.command$ with requests encoded before the clock starts, each to the key's master node
// (looked up once from the cluster's partition map). Both are driven by the same plain-callback
// loops (no rxjs operators in the harness), so the difference is the client layers. Prints one JSON line.

import { firstValueFrom, Observable } from 'rxjs';
import { AerospikeClient } from '../lib/index';
import { Cluster } from '../lib/cluster/cluster';
import type { Connection } from '../lib/node-transport';
import { TcpTransport } from '../lib/net/tcp-transport';
import { resolveKey } from '../lib/client/record-key';
import { encodeGet, encodePut } from '../lib/protocol/requests';

interface Job {
  readonly hosts: string;
  readonly mode: 'client' | 'transport' | 'pooled';
  readonly op: 'get' | 'put';
  readonly concurrency: number;
  readonly ops: number;
  readonly keys: number;
  readonly set: string;
}

const VALUE = 'x'.repeat(100);

/** `concurrency` loops, each starting the next call when its previous one ended, until `count` calls. */
function drive(one: (i: number) => Observable<unknown>, count: number, concurrency: number, latencies: Float64Array | undefined): Promise<number> {
  return new Promise((resolve) => {
    let next = 0;
    let running = 0;
    let failed = 0;
    const start = (): void => {
      if (next >= count) {
        if (--running === 0) resolve(failed);
        return;
      }
      const i = next++;
      const t0 = latencies === undefined ? 0 : performance.now();
      one(i).subscribe({
        error: () => {
          failed++;
          start();
        },
        complete: () => {
          if (latencies !== undefined) latencies[i] = performance.now() - t0;
          start();
        },
      });
    };
    for (let c = 0; c < concurrency; c++) {
      running++;
      start();
    }
  });
}

async function clientLoad(job: Job): Promise<{ one: (i: number) => Observable<unknown>; close: () => void }> {
  const client = await firstValueFrom(AerospikeClient.connect$({ seeds: job.hosts, policies: { read: { totalTimeoutMs: 1000, socketTimeoutMs: 500 }, write: { totalTimeoutMs: 1000 } } }));
  const keys = Array.from({ length: job.keys }, (_, i) => ({ namespace: 'test', set: job.set, key: i }));
  const one = job.op === 'get' ? (i: number) => client.get$(keys[i % job.keys]!) : (i: number) => client.put$(keys[i % job.keys]!, { n: i, s: VALUE });
  return { one, close: () => client.close() };
}

/**
 * A per-node stack of idle connections: the least pooling 64 loops need. `pooled` takes them from a live
 * Cluster's node pools and sends with its transport (the client's connections and tender, no client layers).
 */
async function transportLoad(job: Job): Promise<{ one: (i: number) => Observable<unknown>; close: () => void }> {
  const cluster = await firstValueFrom(Cluster.connect$({ seeds: job.hosts }));
  const map = cluster.currentMap();
  const transport = new TcpTransport();
  const hosts = new Map<string, { host: string; port: number; idle: Connection[]; all: Connection[] }>();
  const target = Array.from({ length: job.keys }, (_, i) => {
    const key = resolveKey({ namespace: 'test', set: job.set, key: i });
    const node = map.node('test', key.partition, 0)!;
    let entry = hosts.get(node.name);
    if (entry === undefined) hosts.set(node.name, (entry = { host: node.host, port: node.port, idle: [], all: [] }));
    const request = job.op === 'get' ? encodeGet(key, { timeoutMs: 1000 }) : encodePut(key, { n: i, s: VALUE }, { timeoutMs: 1000 });
    return { entry, request };
  });
  const pooled = job.mode === 'pooled';
  if (!pooled) cluster.close();
  // enough connections per node for every loop to find one idle, opened before the clock starts
  for (const entry of hosts.values()) {
    for (let c = 0; c < job.concurrency; c++) {
      const conn = pooled ? await firstValueFrom(cluster.activeNodes().find((n) => n.host === entry.host && n.port === entry.port)!.pool.checkout$()) : await firstValueFrom(transport.connect$(entry.host, entry.port));
      entry.idle.push(conn);
      entry.all.push(conn);
    }
  }
  const sender = pooled ? cluster.transport : transport;
  const one = (i: number): Observable<unknown> => {
    const { entry, request } = target[i % job.keys]!;
    const conn = entry.idle.pop()!;
    return new Observable((subscriber) =>
      sender.command$(conn, request, 500).subscribe({
        next: (body) => {
          entry.idle.push(conn);
          subscriber.next(body);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
  };
  return { one, close: () => (pooled ? cluster.close() : hosts.forEach((e) => e.all.forEach((c) => transport.close(c)))) };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as Job;
  const { one, close } = job.mode === 'client' ? await clientLoad(job) : await transportLoad(job);
  await drive(one, Math.min(5000, job.ops), job.concurrency, undefined);
  const latencies = new Float64Array(job.ops);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const failed = await drive(one, job.ops, job.concurrency, latencies);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  close();
  const sorted = [...latencies].sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({ ops: job.ops, failed, wallMs, cpuUs: cpu.user + cpu.system, p50: sorted[Math.floor(sorted.length * 0.5)], p99: sorted[Math.floor(sorted.length * 0.99)] })}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
