// Opt-in check, not part of npm test: sends every value type, write policy, operation and scan resume
// case to a real Aerospike server AND to an in-process SimulatedNode, and compares the reply bodies
// byte for byte (void times may differ by the clock: equal within 2 s). Prints each difference and
// exits 1 when any case differs.
//
//   node -r ts-node/register/transpile-only bench/check-values-real.ts [host:port]   (default 127.0.0.1:3300)
//   CHECK_VERBOSE=1 prints every reply decoded.

import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { TcpTransport } from '../lib/net/tcp-transport';
import type { Connection } from '../lib/node-transport';
import { walkAsMsgRecords } from '../lib/protocol/as-msg';
import { partitionId } from '../lib/protocol/digest';
import { decodeRecords } from '../lib/protocol/record';
import { SimulatedNode } from '../lib/testing/simulated-node';
import { checkCases, type CheckCase } from './check-values-cases';

const DEADLINE_MS = 5000;
const VERBOSE = process.env['CHECK_VERBOSE'] === '1';

interface Target {
  readonly name: string;
  readonly transport: TcpTransport;
  readonly conn: Connection;
}

async function open(name: string, host: string, port: number): Promise<Target> {
  const transport = new TcpTransport();
  const conn = await firstValueFrom(transport.connect$(host, port));
  return { name, transport, conn };
}

/** One line per record: header values, then each op as name=type:hex. */
export function describeBody(body: Buffer): string {
  const out: string[] = [];
  walkAsMsgRecords(body, (span) => {
    const o = span.offset;
    const ops: string[] = [];
    let at = span.opsOffset;
    for (let i = 0; i < span.opCount; i++) {
      const size = body.readUInt32BE(at);
      const nameLength = body[at + 7]!;
      ops.push(`${body[at + 4]}:${body.toString('utf8', at + 8, at + 8 + nameLength)}=${body[at + 5]}:${body.subarray(at + 8 + nameLength, at + 4 + size).toString('hex')}`);
      at += 4 + size;
    }
    out.push(`rc=${body[o + 5]} i3=${body[o + 3]} gen=${body.readUInt32BE(o + 6)} vt=${body.readUInt32BE(o + 10)} f=${span.fieldCount} [${ops.join(' ')}]`);
  });
  return out.join(' | ');
}

/** The body with each record's void time zeroed, and the void times apart. */
function splitVoidTimes(body: Buffer): { bytes: Buffer; voidTimes: number[] } {
  const bytes = Buffer.from(body);
  const voidTimes: number[] = [];
  walkAsMsgRecords(bytes, (span) => {
    voidTimes.push(bytes.readUInt32BE(span.offset + 10));
    bytes.writeUInt32BE(0, span.offset + 10);
  });
  return { bytes, voidTimes };
}

function sameReply(a: Buffer, b: Buffer): boolean {
  const x = splitVoidTimes(a);
  const y = splitVoidTimes(b);
  return x.bytes.equals(y.bytes) && x.voidTimes.every((t, i) => Math.abs(t - y.voidTimes[i]!) <= 2 && (t === 0) === (y.voidTimes[i] === 0));
}

/** A scan reply's records per partition (each partition's records in order), plus its other records. */
function scanShape(body: Buffer): { partitions: Map<number, Buffer[]>; others: Buffer[] } {
  const partitions = new Map<number, Buffer[]>();
  const others: Buffer[] = [];
  walkAsMsgRecords(body, (span) => {
    const record = body.subarray(span.offset, span.end);
    const digest = decodeRecords(record)[0]!.digest;
    if (digest === undefined) others.push(record);
    else partitions.set(partitionId(digest), [...(partitions.get(partitionId(digest)) ?? []), record]);
  });
  return { partitions, others };
}

/**
 * Scans compare per partition: a real node walks partitions on several threads, so their
 * interleaving differs run to run; within a partition the order is the index's (descending digest).
 * 'count' (a max-records scan, whose cut depends on that interleaving) compares the record count only.
 */
function sameScan(a: Buffer, b: Buffer, countOnly: boolean): boolean {
  const x = scanShape(a);
  const y = scanShape(b);
  const total = (s: typeof x): number => [...s.partitions.values()].reduce((n, l) => n + l.length, 0);
  if (countOnly) return total(x) === total(y) && x.others.length === y.others.length;
  if (x.partitions.size !== y.partitions.size || x.others.length !== y.others.length) return false;
  if (!x.others.every((r, i) => sameReply(r, y.others[i]!))) return false;
  for (const [pid, records] of x.partitions) {
    const other = y.partitions.get(pid);
    if (other === undefined || other.length !== records.length || !records.every((r, i) => sameReply(r, other[i]!))) return false;
  }
  return true;
}

async function reply(target: Target, request: Buffer, stream: boolean): Promise<Buffer> {
  if (!stream) return firstValueFrom(target.transport.command$(target.conn, request, DEADLINE_MS));
  const frames = await lastValueFrom(target.transport.stream$(target.conn, request, DEADLINE_MS).pipe(toArray()));
  return Buffer.concat(frames.map((f) => f.subarray(8)));
}

async function main(): Promise<void> {
  const [host, portText] = (process.argv[2] ?? '127.0.0.1:3300').split(':');
  const real = await open('real', host!, Number(portText));
  const node = await SimulatedNode.start();
  const sim = await open('sim', node.host, node.port);
  const set = `chk${Date.now().toString(36)}`;
  let failures = 0;
  let steps = 0;
  const cases: readonly CheckCase[] = checkCases(set);
  for (const c of cases) {
    for (const step of c.steps) {
      steps++;
      let a: Buffer;
      let b: Buffer;
      try {
        [a, b] = await Promise.all([reply(real, step.request, step.stream === true), reply(sim, step.request, step.stream === true)]);
      } catch (err) {
        console.log(`FAIL ${c.name} / ${step.label}: ${String(err)}`);
        throw err;
      }
      const same =
        step.compare === false ||
        (step.stream === true ? sameScan(a, b, step.compare === 'count') : sameReply(a, b));
      if (!same) failures++;
      if (!same || VERBOSE) {
        console.log(`${same ? 'ok  ' : 'DIFF'} ${c.name} / ${step.label}`);
        console.log(`     real: ${describeBody(a)}`);
        if (!same || step.compare === false) console.log(`     sim:  ${describeBody(b)}`);
      }
    }
  }
  real.transport.close(real.conn);
  sim.transport.close(sim.conn);
  await node.stop();
  console.log(`${steps - failures} passed, ${failures} failed (${cases.length} cases, set ${set})`);
  process.exitCode = failures === 0 ? 0 : 1;
}

if (require.main === module) void main();
