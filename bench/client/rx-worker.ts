// This package's AerospikeClient in its own process (so process.cpuUsage() is its CPU alone): get$,
// put$, batchGet$ or a full scan$ as the job says, the slow scanIterable consumer, and the seeding of
// a real cluster. Prints one JSON line (bench/client/measure.ts). Benchmark support only.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstValueFrom, lastValueFrom, mergeMap, range, type Observer } from 'rxjs';
import { AerospikeClient, TcpTransport, type Key } from '../../lib/index';
import { batchKeyIndexes, blob, NAMESPACE, RECORD_SET, SCAN_SETS, SOCKET_TIMEOUT_MS, TOTAL_TIMEOUT_MS, type WorkerJob, type WorkerResult } from './data';
import { maxRssMB, measureLoad, measureOnce, workerMain } from './measure';

/** How often the slow consumer's RSS is sampled. */
const RSS_SAMPLE_MS = 500;

workerMain(async (job) => {
  const client = await firstValueFrom(
    AerospikeClient.connect$({
      seeds: job.hosts,
      // BENCH_COALESCE=0: requests written as begun, for an A/B of the transport's write coalescing
      ...(process.env.BENCH_COALESCE === '0' ? { transport: new TcpTransport({ coalesceWrites: false }) } : {}),
      policies: { read: { totalTimeoutMs: TOTAL_TIMEOUT_MS, socketTimeoutMs: SOCKET_TIMEOUT_MS }, write: { totalTimeoutMs: TOTAL_TIMEOUT_MS }, batch: { totalTimeoutMs: TOTAL_TIMEOUT_MS } },
    }),
  );
  try {
    switch (job.op) {
      case 'seed':
        await seed(client);
        return undefined;
      case 'scan':
        return await scan(client, job);
      case 'scan-slow':
        return await slowConsumer(client, job);
      default:
        return await load(client, job);
    }
  } finally {
    client.close();
  }
});

async function load(client: AerospikeClient, job: WorkerJob): Promise<WorkerResult> {
  const keys: Key[] = Array.from({ length: RECORD_SET.count }, (_, k) => ({ namespace: NAMESPACE, set: RECORD_SET.name, key: k }));
  const batches = Array.from({ length: RECORD_SET.count / 100 }, (_, b) => batchKeyIndexes(b).map((k) => keys[k]!));
  const data = blob(RECORD_SET.blobBytes);
  const cursor = new Int32Array(job.concurrency).map((_, loop) => loop);
  let failed = 0;
  // one observer per loop, made once: the loop's own cost stays out of the client's figure
  const observers: Array<Partial<Observer<unknown>>> = [];
  return measureLoad(
    job,
    job.concurrency,
    (loop, done) => {
      const observer = (observers[loop] ??= { error: () => (failed++, done()), complete: done });
      const i = cursor[loop]!;
      cursor[loop] = i + job.concurrency;
      const k = i % RECORD_SET.count;
      if (job.op === 'get') client.get$(keys[k]!).subscribe(observer);
      else if (job.op === 'put') client.put$(keys[k]!, { n: k, data }).subscribe(observer);
      else client.batchGet$(batches[i % batches.length]!).subscribe(observer);
    },
    () => failed,
  );
}

/**
 * A full scan after a whole one (code compiled, and the heap grown to hold a scan's records: the first
 * scan of a process page-faults in every buffer it allocates, whichever client runs it); counts records only.
 */
async function scan(client: AerospikeClient, job: WorkerJob): Promise<WorkerResult> {
  const set = SCAN_SETS[job.scan!];
  const count = (maxRecords?: number) =>
    new Promise<{ records: number; failed: number }>((resolve) => {
      let records = 0;
      client.scan$(NAMESPACE, set.name, maxRecords === undefined ? {} : { maxRecords }).subscribe({
        next: () => void records++,
        error: (e: unknown) => (console.error(e), resolve({ records, failed: 1 })),
        complete: () => resolve({ records, failed: 0 }),
      });
    });
  await count();
  return measureOnce(() => count(), job.cpuProfile);
}

/**
 * scanIterable read by a loop that sleeps per record (at least 1 ms; long enough that the loop reads
 * at most half the set in the job's measuring time, so the scan is never done and the nodes are
 * always ahead of it), for that time; RSS sampled. Flat RSS: reading waits for the loop.
 */
async function slowConsumer(client: AerospikeClient, job: WorkerJob): Promise<WorkerResult> {
  const set = SCAN_SETS[job.scan!];
  const sleepMs = Math.max(1, Math.ceil((2 * job.measureMs) / set.count));
  const samples: Array<[number, number, number]> = [];
  const t0 = performance.now();
  // a full GC first (the worker runs with --expose-gc), so a sample counts what is held, not records read and dropped
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = () => {
    gc?.();
    const m = process.memoryUsage();
    samples.push([(performance.now() - t0) / 1000, m.rss / 2 ** 20, (m.heapUsed + m.arrayBuffers) / 2 ** 20]);
  };
  sample();
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  const result = await measureOnce(async () => {
    let records = 0;
    for await (const _record of client.scanIterable(NAMESPACE, set.name)) {
      records++;
      if (performance.now() - t0 >= job.measureMs) break;
      await sleep(sleepMs);
    }
    return { records, failed: 0 };
  });
  clearInterval(timer);
  sample();
  return { ...result, maxRssMB: maxRssMB(), rssSamples: samples };
}

/** Writes every set the bench reads (a real or running cluster; the simulated one seeds its store). */
async function seed(client: AerospikeClient): Promise<void> {
  const policy = { totalTimeoutMs: 10_000, maxRetries: 5, sendKey: true };
  for (const set of [RECORD_SET, SCAN_SETS.small, SCAN_SETS.large, SCAN_SETS.slow]) {
    const data = blob(set.blobBytes);
    const inFlight = set.blobBytes > 1024 ? 8 : 64;
    await lastValueFrom(range(0, set.count).pipe(mergeMap((k) => client.put$({ namespace: NAMESPACE, set: set.name, key: k }, { n: k, data }, policy), inFlight)), { defaultValue: undefined });
  }
}
