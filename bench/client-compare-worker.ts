// One side of `npm run bench:client`: runs a get or put load with this package's AerospikeClient (an
// Observable pipeline, `mergeMap` for concurrency) and prints one JSON line of results. Its own process,
// so process.cpuUsage() is this client's CPU alone.

import { catchError, defer, EMPTY, firstValueFrom, lastValueFrom, merge, repeat, tap, type Observable } from 'rxjs';
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
  const latencies = new Float64Array(job.ops);
  let failed = 0;
  // `concurrency` loops, each running one call at a time until `count` calls were started
  const load = (count: number, record: boolean): Promise<unknown> => {
    let next = 0;
    const loop$ = defer(() => {
      const i = next++;
      const start = process.hrtime.bigint();
      return one(i).pipe(
        tap({
          complete: () => void (record && (latencies[i] = Number(process.hrtime.bigint() - start) / 1e6)),
          error: () => void (record && failed++),
        }),
        catchError(() => EMPTY),
      );
    }).pipe(repeat({ count: Math.ceil(count / job.concurrency) }));
    return lastValueFrom(merge(...Array.from({ length: job.concurrency }, () => loop$)), { defaultValue: undefined });
  };
  // warm-up: connections opened, code paths compiled
  await load(Math.min(2000, job.ops), false);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await load(job.ops, true);
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
