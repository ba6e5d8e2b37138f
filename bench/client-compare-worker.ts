// One side of `npm run bench:client`: runs a get or put load with this package's AerospikeClient (an
// Observable pipeline, `mergeMap` for concurrency) and prints one JSON line of results. Its own process,
// so process.cpuUsage() is this client's CPU alone.

import { firstValueFrom, lastValueFrom, mergeMap, range, type Observable } from 'rxjs';
import { AerospikeClient } from '../lib/index';

interface Job {
  readonly hosts: string;
  readonly op: 'get' | 'put';
  readonly concurrency: number;
  readonly ops: number;
  readonly keys: number;
  readonly set: string;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as Job;
  const client = await firstValueFrom(AerospikeClient.connect$({ seeds: job.hosts, policies: { read: { totalTimeoutMs: 1000, socketTimeoutMs: 500 }, write: { totalTimeoutMs: 1000 } } }));
  const value = 'x'.repeat(100);
  const key = (i: number) => ({ namespace: 'test', set: job.set, key: i % job.keys });
  const one = (i: number): Observable<unknown> => (job.op === 'get' ? client.get$(key(i)) : client.put$(key(i), { n: i, s: value }));
  // warm-up: connections opened, code paths compiled
  await lastValueFrom(range(0, Math.min(2000, job.ops)).pipe(mergeMap(one, job.concurrency)));
  const latencies = new Float64Array(job.ops);
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await lastValueFrom(
    range(0, job.ops).pipe(
      mergeMap((i) => {
        const start = process.hrtime.bigint();
        return new Promise<void>((resolve) =>
          one(i).subscribe({
            error: () => {
              failed++;
              resolve();
            },
            complete: () => {
              latencies[i] = Number(process.hrtime.bigint() - start) / 1e6;
              resolve();
            },
          }),
        );
      }, job.concurrency),
    ),
    { defaultValue: undefined },
  );
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  client.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({ ops: job.ops, failed, wallMs, cpuUs: cpu.user + cpu.system, p50: sorted[Math.floor(sorted.length * 0.5)], p99: sorted[Math.floor(sorted.length * 0.99)] })}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
