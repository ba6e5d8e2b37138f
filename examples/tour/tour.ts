// The tour's steps, in order: connect with one seed, single-record calls, a batch, a scan with its
// progress, a cancelled scan, a failover under load, the telemetry timings. Every number printed is
// measured here (returned values, stats(), events$, telemetry spans); no line states what was not seen.

import { catchError, count, EMPTY, firstValueFrom, from, lastValueFrom, mergeMap, take, tap, toArray } from 'rxjs';
import { AerospikeClient, isAerospikeError, op, type CommandSpanContext, type SpanContext } from '../../lib/index';
import { failoverStep } from './tour-failover';
import { counted, plural, poolTotals, sleep, telemetryTable, type Log } from './tour-format';
import { SpanRecorder } from './span-recorder';
import type { TourTarget } from './tour-target';

export const SCAN_SET = 'tour';
export const SCAN_RECORDS = 200;
const BLOB_BYTES = 4096;

export async function runTour(target: TourTarget, log: Log): Promise<void> {
  const startedMs = performance.now();
  const now = (): number => performance.now();
  const recorder = new SpanRecorder(now);
  let client: AerospikeClient | undefined;
  let stopped: string | undefined;
  try {
    for (const line of target.heading) log(line);
    log();
    client = await connectStep(target, log, now);
    await recordsStep(client, target.namespace, log);
    await batchStep(client, target.namespace, recorder, log, now);
    await scanStep(client, target.namespace, recorder, log, now);
    await cancelStep(client, target, recorder, log, now);
    await failoverStep(client, target, recorder, log, now);
    log('7. telemetry: every span the diagnostics channels published during the tour');
    for (const line of telemetryTable(recorder)) log(`   ${line}`);
  } finally {
    client?.close();
    recorder.stop();
    stopped = await target.stop();
  }
  log();
  log(`done in ${((performance.now() - startedMs) / 1000).toFixed(1)} s: client closed${stopped !== undefined ? `, ${stopped}` : ''}`);
}

async function connectStep(target: TourTarget, log: Log, now: () => number): Promise<AerospikeClient> {
  const t0 = now();
  const client = await firstValueFrom(AerospikeClient.connect$({ seeds: target.seed }));
  const ms = now() - t0;
  const nodes = await firstValueFrom(client.nodes$);
  log(`1. connect$ with one seed, ${target.seed}: connected in ${ms.toFixed(0)} ms, ${plural(nodes.length, 'node')} found`);
  log(`   nodes$: ${nodes.map((n) => `${n.name} ${n.host}:${n.port}`).join(', ')}`);
  for (const ns of client.stats().namespaces) {
    log(`   partition map: namespace ${ns.namespace}, ${plural(ns.replicaCount, 'replica')}, ${ns.partitionsWithMaster} of 4096 partitions with a master`);
  }
  log();
  return client;
}

async function recordsStep(client: AerospikeClient, namespace: string, log: Log): Promise<void> {
  log(`2. single-record calls on ${namespace}/${SCAN_SET}`);
  const key = { namespace, set: SCAN_SET, key: 'greeting' };
  const bins = { text: 'hello', visits: 1 };
  const put = await lastValueFrom(client.put$(key, bins, { sendKey: true }));
  log(`   put$ "greeting" ${JSON.stringify(bins)} -> generation ${put.generation}`);
  const got = await lastValueFrom(client.get$(key));
  log(`   get$ "greeting" -> ${got === null ? 'null' : `${JSON.stringify(got.bins)}, generation ${got.generation}, ${got.ttlSeconds === -1 ? 'never expires' : `ttl ${got.ttlSeconds} s`}`}`);
  const operated = await lastValueFrom(client.operate$(key, [op.add('visits', 1), op.get('visits')]));
  log(`   operate$ "greeting" [add visits 1, get visits] -> visits = ${String(operated?.bins['visits'])}, generation ${operated?.generation}`);
  const existed = await lastValueFrom(client.delete$(key));
  const after = await lastValueFrom(client.get$(key));
  log(`   delete$ "greeting" -> ${existed}; get$ "greeting" -> ${after === null ? 'null' : 'a record'}`);
  const t0 = performance.now();
  const failures: string[] = [];
  const written = await lastValueFrom(
    from(Array.from({ length: SCAN_RECORDS }, (_, i) => i)).pipe(
      mergeMap(
        (i) =>
          client.put$({ namespace, set: SCAN_SET, key: i }, { n: i, data: new Uint8Array(BLOB_BYTES).fill(i) }).pipe(
            catchError((error: unknown) => {
              failures.push(isAerospikeError(error) ? error.code : String(error));
              return EMPTY;
            }),
          ),
        16,
      ),
      count(),
    ),
  );
  const failed = failures.length > 0 ? `, ${failures.length} failed (${counted(failures)})` : '';
  log(`   put$ of keys 0..${SCAN_RECORDS - 1} (a ${BLOB_BYTES}-byte blob each), 16 in flight: ${written} written${failed} in ${(performance.now() - t0).toFixed(0)} ms`);
  log();
}

async function batchStep(client: AerospikeClient, namespace: string, recorder: SpanRecorder, log: Log, now: () => number): Promise<void> {
  const keys = [0, 57, 'no-such-key', 123, SCAN_RECORDS - 1].map((key) => ({ namespace, set: SCAN_SET, key }));
  const since = now();
  const records = await lastValueFrom(client.batchGet$(keys, { bins: ['n'] }));
  const requests = recorder.of<SpanContext>('aerospike:command:recv', since);
  const nodes = new Set(requests.map((s) => s.context.nodeName));
  const inOrder = records.every((r, i) => r === null || r.key.key === keys[i]!.key);
  log(`3. batchGet$ of ${keys.length} keys: ${plural(requests.length, 'request')} to ${plural(nodes.size, 'node')} (${[...nodes].sort().join(', ')}), results ${inOrder ? 'in the order of the keys' : 'NOT in the order of the keys'}`);
  log(`   ${records.map((r, i) => `${JSON.stringify(keys[i]!.key)} -> ${r === null ? 'null' : `n = ${String(r.bins['n'])}`}`).join(', ')}`);
  log();
}

async function scanStep(client: AerospikeClient, namespace: string, recorder: SpanRecorder, log: Log, now: () => number): Promise<void> {
  log(`4. scan$ ${namespace}/${SCAN_SET}: each node streams the partitions it holds`);
  const since = now();
  let received = 0;
  const ended = new Set<string>();
  const progress = recorder.onEnd((span) => {
    if (span.channel !== 'aerospike:command:recv' || span.startMs < since) return;
    const node = (span.context as SpanContext).nodeName ?? '?';
    ended.add(node);
    log(`   ... ${node}'s stream ended (${((span.context as SpanContext).bytes ?? 0).toLocaleString('en-US')} bytes): ${received} records so far`);
  });
  const digests = new Set<string>();
  try {
    await lastValueFrom(
      client.scan$(namespace, SCAN_SET).pipe(
        tap((record) => {
          received++;
          digests.add(Array.from(record.key.digest ?? [], (b) => b.toString(16).padStart(2, '0')).join(''));
        }),
        count(),
      ),
    );
  } finally {
    progress();
  }
  const ms = now() - since;
  const streams = recorder.of<SpanContext>('aerospike:command:recv', since).filter((s) => s.startMs >= since);
  const bytes = streams.reduce((n, s) => n + (s.context.bytes ?? 0), 0);
  const parallel = streams.length > 1 && Math.max(...streams.map((s) => s.startMs)) < Math.min(...streams.map((s) => s.endMs));
  log(`   ${received} records (${digests.size} distinct) in ${ms.toFixed(0)} ms: ${(bytes / 1e6).toFixed(2)} MB over ${plural(streams.length, 'node stream')}${parallel ? ', all open at once' : ''}`);
  log();
}

async function cancelStep(client: AerospikeClient, target: TourTarget, recorder: SpanRecorder, log: Log, now: () => number): Promise<void> {
  const limit = 10;
  const before = poolTotals(client.stats());
  const serverClosedBefore = target.serverClosedConnections?.();
  const since = now();
  const taken = await lastValueFrom(client.scan$(target.namespace, SCAN_SET).pipe(take(limit), toArray()));
  const streams = recorder.of<SpanContext>('aerospike:command:recv', since).filter((s) => s.startMs >= since);
  const cut = streams.filter((s) => s.context.cancelled === true);
  const scanSpan = recorder.of<CommandSpanContext>('aerospike:command', since).find((s) => s.context.command === 'scan');
  const after = poolTotals(client.stats());
  log(`5. cancellation: scan$(...).pipe(take(${limit})) unsubscribed the scan after ${plural(taken.length, 'record')}`);
  log(
    `   its ${plural(streams.length, 'node stream')}: ${cut.length} still reading, cut (${cut.map((s) => s.context.nodeName).sort().join(', ') || 'none'}); ` +
      `${streams.length - cut.length} already ended; scan span result: ${scanSpan?.context.result ?? 'not seen'}`,
  );
  const closed = after.closed - before.closed;
  log(`   stats(): the pools closed ${plural(closed, 'connection')}${closed === cut.length ? ', one per cut stream' : ''}; ${after.inUse} in use, ${after.idle} idle`);
  if (serverClosedBefore !== undefined) {
    const seen = (): number => target.serverClosedConnections!() - serverClosedBefore;
    for (let i = 0; i < 50 && seen() < closed; i++) await sleep(10);
    log(`   server side: the simulated nodes saw ${plural(seen(), 'socket')} close`);
  }
  log();
}
