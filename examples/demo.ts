// `npm start`: a short tour of the transport on an embedded simulated node (or on a real node when
// AEROSPIKE_HOST / AEROSPIKE_PORT are set): info, put/get, a batch via commandStream$, a scan via
// stream$ unsubscribed after a few frames, and the telemetry timings of it all.

import { tracingChannel } from 'node:diagnostics_channel';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { CHANNEL_NAMES, TcpTransport, type Connection, type SpanContext } from '../lib/index';
import { encodeBatchGet } from '../lib/protocol/batch-request';
import { decodeRecord, decodeRecords } from '../lib/protocol/record';
import { encodeGet, encodePut } from '../lib/protocol/requests';
import { encodePartitionScan } from '../lib/protocol/scan-request';
import { SimulatedNode } from '../lib/testing/simulated-node';

const log = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Collects span durations per channel from the diagnostics channels. */
function recordTimings(): { report: () => void; stop: () => void } {
  const durations = new Map<string, number[]>();
  const started = new WeakMap<object, bigint>();
  const stops: Array<() => void> = [];
  for (const name of Object.values(CHANNEL_NAMES)) {
    const handlers = {
      start: (ctx: SpanContext) => started.set(ctx, process.hrtime.bigint()),
      asyncEnd: (ctx: SpanContext) => {
        const t0 = started.get(ctx);
        if (t0 === undefined) return;
        const list = durations.get(name) ?? [];
        list.push(Number(process.hrtime.bigint() - t0) / 1e6);
        durations.set(name, list);
      },
    };
    const channel = tracingChannel<unknown, SpanContext>(name);
    channel.subscribe(handlers as never);
    stops.push(() => channel.unsubscribe(handlers as never));
  }
  return {
    stop: () => stops.forEach((s) => s()),
    report: () => {
      log('telemetry (diagnostics_channel TracingChannels):');
      log(`  ${'channel'.padEnd(24)} ${'spans'.padStart(5)} ${'p50 ms'.padStart(8)} ${'max ms'.padStart(8)}`);
      for (const [name, list] of durations) {
        const sorted = [...list].sort((a, b) => a - b);
        const p50 = sorted[Math.floor((sorted.length - 1) / 2)]!;
        log(`  ${name.padEnd(24)} ${String(list.length).padStart(5)} ${p50.toFixed(3).padStart(8)} ${sorted[sorted.length - 1]!.toFixed(3).padStart(8)}`);
      }
    },
  };
}

async function main(): Promise<void> {
  const envHost = process.env['AEROSPIKE_HOST'];
  const node = envHost === undefined ? await SimulatedNode.start() : undefined;
  const host = envHost ?? node!.host;
  const port = envHost === undefined ? node!.port : Number(process.env['AEROSPIKE_PORT'] ?? 3000);
  const namespace = process.env['AEROSPIKE_NAMESPACE'] ?? 'test';
  const set = 'demo';
  if (node !== undefined) node.seed(namespace, set, 200, 4096);
  log(`aerospike-rx-transport tour against ${host}:${port}${node !== undefined ? ' (embedded simulated node; set AEROSPIKE_HOST for a real one)' : ''}`);
  log();

  const timings = recordTimings();
  const transport = new TcpTransport();
  let conn: Connection = await firstValueFrom(transport.connect$(host, port, { nodeName: 'demo-node' }));
  try {
    const info = await firstValueFrom(transport.info$(conn, ['build', 'node', 'namespaces', 'features']));
    log('info$ [build, node, namespaces, features]:');
    for (const [name, value] of Object.entries(info)) log(`  ${name} = ${value}`);
    log();

    const key = { namespace, set, key: 'tour-key' };
    const put = decodeRecord(await firstValueFrom(transport.command$(conn, encodePut(key, { greeting: 'hello', visits: 1 }, { sendKey: true }), 1000)));
    log(`command$ put ${set}/tour-key: result ${put.resultCode}, generation ${put.generation}`);
    const got = decodeRecord(await firstValueFrom(transport.command$(conn, encodeGet(key), 1000)));
    log(`command$ get ${set}/tour-key: ${JSON.stringify(got.bins)} (generation ${got.generation})`);
    log();

    const keys = [0, 1, 2, 'no-such-key', 3].map((k) => ({ namespace, set, key: k, bins: ['n'] }));
    const batch = await firstValueFrom(transport.commandStream$(conn, encodeBatchGet(keys), 1000));
    const results = decodeRecords(batch).filter((r) => !r.last);
    log(`commandStream$ batch get of ${keys.length} keys: one ${batch.length}-byte buffer up to the LAST marker`);
    for (const r of results) log(`  key #${r.batchIndex}: ${r.resultCode === 0 ? `n = ${String(r.bins['n'])}` : `result ${r.resultCode} (not found)`}`);
    log();

    const scan = encodePartitionScan({ namespace, set, taskId: 42n });
    const frames = await lastValueFrom(transport.stream$(conn, scan, 1000).pipe(take(2), toArray()));
    const records = frames.reduce((n, f) => n + decodeRecords(f.subarray(8)).length, 0);
    log(`stream$ scan: took ${frames.length} frames (${records} records), then unsubscribed mid-scan`);
    log(`  the socket was destroyed at once: conn.isOpen = ${conn.isOpen}`);
    conn = await firstValueFrom(transport.connect$(host, port, { nodeName: 'demo-node' }));
    const all = await lastValueFrom(transport.stream$(conn, encodePartitionScan({ namespace, set, taskId: 43n }), 1000).pipe(toArray()));
    const total = all.reduce((n, f) => n + decodeRecords(f.subarray(8)).filter((r) => !r.last && !r.partitionDone).length, 0);
    log(`  a new connection streamed the whole scan: ${all.length} frames, ${total} records, terminal frame included`);
    log();
    timings.report();
  } finally {
    timings.stop();
    transport.close(conn);
    await node?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
