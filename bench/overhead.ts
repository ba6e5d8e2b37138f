// The client's own cost per operation, without the kernel or a server: command$ and stream$ over an
// in-memory socket that answers each request from a microtask, against the raw client on the same
// socket. CPU µs per operation, medians of rounds. npm run bench measures the real thing; this one
// only tells what the JavaScript of each side costs (profile it with node --cpu-prof).
// Run: node -r ts-node/register/transpile-only bench/overhead.ts   (BENCH_OPS, BENCH_ROUNDS)

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { TcpTransport } from '../lib/net/tcp-transport';
import { encodeGet } from '../lib/protocol/requests';
import { encodePartitionScan } from '../lib/protocol/scan-request';
import { encodeReplyRecord, packRecords } from '../lib/testing/simulated-reply';
import { RawConnection, rawHasLast } from './raw-client';

/** Just enough of net.Socket for TcpTransport and the raw client; each write is answered with `reply` chunks. */
class MemorySocket extends EventEmitter {
  writableNeedDrain = false;
  constructor(private readonly reply: readonly Buffer[]) {
    super();
    process.nextTick(() => this.emit('connect'));
  }
  setNoDelay(): this { return this; }
  setKeepAlive(): this { return this; }
  cork(): void {}
  uncork(): void {}
  pause(): this { return this; }
  resume(): this { return this; }
  destroy(): this { return this; }
  write(): boolean {
    queueMicrotask(() => { for (const chunk of this.reply) this.emit('data', chunk); });
    return true;
  }
}

const OPS = Number(process.env['BENCH_OPS'] ?? 100_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const get = encodeGet({ namespace: 'test', set: 's', key: 1 });
const getReply = [...packRecords([encodeReplyRecord({ generation: 1, bins: [['n', { particleType: 1, bytes: Buffer.alloc(8) }]] })], { frameBytes: 1 << 20, lastInFinalFrame: false, compress: false })].slice(0, 1);
const scan = encodePartitionScan({ namespace: 'test', set: 's', taskId: 1 });
const record = encodeReplyRecord({ generation: 1, bins: [['data', { particleType: 4, bytes: Buffer.alloc(32 * 1024) }]] });
const scanWire = Buffer.concat([...packRecords(Array(50).fill(record), { frameBytes: 128 * 1024, lastInFinalFrame: false, compress: false })]);
// 64 KiB chunks, as a loopback socket delivers them
const scanReply = Array.from({ length: Math.ceil(scanWire.length / 65536) }, (_, i) => scanWire.subarray(i * 65536, (i + 1) * 65536));

async function cpuPerOp(run: (ops: number) => Promise<void>, ops: number): Promise<number> {
  await run(ops / 10); // warm-up
  const start = process.cpuUsage();
  await run(ops);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ops;
}

async function rxLoop(reply: readonly Buffer[], request: Buffer, shape: 'command' | 'stream'): Promise<(ops: number) => Promise<void>> {
  const transport = new TcpTransport({ socketFactory: () => new MemorySocket(reply) as unknown as Socket });
  const conn = await firstValueFrom(transport.connect$('127.0.0.1', 3000));
  return (ops) =>
    new Promise((resolve) => {
      let left = ops;
      const observer = { next: (_b: Buffer) => undefined, error: (e: unknown) => { throw e; }, complete: () => (--left === 0 ? resolve() : issue()) };
      const issue = (): void => {
        (shape === 'command' ? transport.command$(conn, request, 1000) : transport.stream$(conn, request, 1000)).subscribe(observer);
      };
      issue();
    });
}

function rawLoop(reply: readonly Buffer[], request: Buffer, shape: 'command' | 'stream'): (ops: number) => Promise<void> {
  const conn = RawConnection.over(new MemorySocket(reply) as unknown as Socket);
  return (ops) =>
    new Promise((resolve) => {
      let left = ops;
      conn.onFrame = (frame) => {
        if (shape === 'stream' && !rawHasLast(frame)) return;
        if (--left === 0) resolve();
        else conn.write(request);
      };
      conn.write(request);
    });
}

async function main(): Promise<void> {
  const cases = [
    ['get (command$)', getReply, get, 'command', OPS],
    ['scan 50 × 32 KiB (stream$)', scanReply, scan, 'stream', OPS / 50],
  ] as const;
  for (const [title, reply, request, shape, ops] of cases.filter(([t]) => t.includes(process.env['BENCH_CASE'] ?? ''))) {
    const rx = await rxLoop(reply, request, shape);
    const raw = rawLoop(reply, request, shape);
    const rxs: number[] = [];
    const raws: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      raws.push(await cpuPerOp(raw, ops));
      rxs.push(await cpuPerOp(rx, ops));
    }
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    console.log(`${title}: raw ${med(raws).toFixed(2)} µs/op, rx ${med(rxs).toFixed(2)} µs/op, rx − raw ${(med(rxs) - med(raws)).toFixed(2)} µs/op`);
  }
}

void main();
