// The official `aerospike` client (a C addon, installed on demand outside the repo by
// scripts/official-client-install.ts; AEROSPIKE_OFFICIAL_DIR names the folder) in its own process,
// under the same load and timing code as the other workers. Benchmark support only: never imported.

import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { batchKeyIndexes, blob, NAMESPACE, RECORD_SET, SCAN_SETS, SOCKET_TIMEOUT_MS, TOTAL_TIMEOUT_MS, type WorkerJob, type WorkerResult } from './data';
import { measureLoad, measureOnce, workerMain } from './measure';

/** The part of the official client's API the bench uses. */
interface Official {
  connect(config: object): Promise<OfficialClient>;
  readonly Key: new (namespace: string, set: string, key: number) => object;
  readonly ReadPolicy: new (policy: object) => object;
  readonly WritePolicy: new (policy: object) => object;
  readonly BatchPolicy: new (policy: object) => object;
  readonly log: { readonly OFF: number };
  readonly batchType?: { readonly BATCH_READ: number };
}

interface OfficialClient {
  get(key: object): Promise<unknown>;
  put(key: object, bins: object): Promise<unknown>;
  batchRead(records: readonly object[]): Promise<ReadonlyArray<{ readonly status: number }>>;
  scan(namespace: string, set: string, options?: object): { foreach(policy?: object): EventEmitter };
  close(): Promise<void> | void;
}

workerMain(async (job) => {
  const Aerospike = require(join(process.env['AEROSPIKE_OFFICIAL_DIR']!, 'node_modules', 'aerospike')) as Official;
  const hosts = job.hosts.split(',').map((h) => ({ addr: h.slice(0, h.lastIndexOf(':')), port: Number(h.slice(h.lastIndexOf(':') + 1)) }));
  const client = await Aerospike.connect({
    hosts,
    policies: {
      read: new Aerospike.ReadPolicy({ totalTimeout: TOTAL_TIMEOUT_MS, socketTimeout: SOCKET_TIMEOUT_MS }),
      write: new Aerospike.WritePolicy({ totalTimeout: TOTAL_TIMEOUT_MS }),
      batch: new Aerospike.BatchPolicy({ totalTimeout: TOTAL_TIMEOUT_MS }),
    },
    log: { level: Aerospike.log.OFF },
  });
  try {
    return job.op === 'scan' ? await scan(client, job) : await load(Aerospike, client, job);
  } finally {
    await client.close();
  }
});

async function load(Aerospike: Official, client: OfficialClient, job: WorkerJob): Promise<WorkerResult> {
  const keys = Array.from({ length: RECORD_SET.count }, (_, k) => new Aerospike.Key(NAMESPACE, RECORD_SET.name, k));
  const readType = Aerospike.batchType === undefined ? {} : { type: Aerospike.batchType.BATCH_READ };
  const batches = Array.from({ length: RECORD_SET.count / 100 }, (_, b) => batchKeyIndexes(b).map((k) => ({ ...readType, key: keys[k]!, readAllBins: true })));
  const data = blob(RECORD_SET.blobBytes);
  const cursor = new Int32Array(job.concurrency).map((_, loop) => loop);
  let failed = 0;
  const fails: Array<() => void> = [];
  return measureLoad(
    job,
    job.concurrency,
    (loop, done) => {
      const fail = (fails[loop] ??= () => (failed++, done()));
      const i = cursor[loop]!;
      cursor[loop] = i + job.concurrency;
      const k = i % RECORD_SET.count;
      if (job.op === 'get') client.get(keys[k]!).then(done, fail);
      else if (job.op === 'put') client.put(keys[k]!, { n: k, data }).then(done, fail);
      else client.batchRead(batches[i % batches.length]!).then(done, fail);
    },
    () => failed,
  );
}

/**
 * A full scan of every node at once (`concurrent`, the official client's fastest) after a whole one:
 * the steady state of a process that scans, not the first scan's fresh heap pages (as for rx).
 */
async function scan(client: OfficialClient, job: WorkerJob): Promise<WorkerResult> {
  const set = SCAN_SETS[job.scan!];
  const count = (maxRecords?: number) =>
    new Promise<{ records: number; failed: number }>((resolve) => {
      let records = 0;
      const stream = client.scan(NAMESPACE, set.name, { concurrent: true }).foreach(maxRecords === undefined ? { socketTimeout: 30_000 } : { maxRecords, socketTimeout: 30_000 });
      stream.on('data', () => void records++);
      stream.on('error', (e: unknown) => (console.error(e), resolve({ records, failed: 1 })));
      stream.on('end', () => resolve({ records, failed: 0 }));
    });
  await count();
  return measureOnce(() => count(), job.cpuProfile);
}
