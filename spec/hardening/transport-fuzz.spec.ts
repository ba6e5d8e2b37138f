// Seeded fuzzing of TcpTransport's reply path: the "server" answers every operation kind with a
// random or mutated byte stream (real conn2/conn1 captures from spec/fixtures/captures and builder
// frames), split into random chunks, then FIN, RST or silence. Most cases run on an in-memory
// socket (many thousands a second); a slice runs on real loopback sockets. Every case must end in
// correct emissions or a typed AerospikeError, never an untyped throw, and never later than one
// read deadline after the last byte arrived.
//
// npm test: 3,000 in-memory + 300 loopback cases. HARDENING_LONG=1: 100,000 + 5,000. HARDENING_SEED replays.

import { readdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { connect as netConnect, type Socket } from 'node:net';
import { firstValueFrom, type Observable, type Subscription } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { Connection } from '../../lib/node-transport';
import { findAdminTerminal } from '../../lib/protocol/admin';
import { findAsMsgLast } from '../../lib/protocol/as-msg';
import { AdminField, DEFAULT_MAX_FRAME_BYTES, Info3, MessageType, PROTO_HEADER_SIZE } from '../../lib/protocol/constants';
import { encodeFrame } from '../../lib/protocol/proto-header';
import {
  adminFrame,
  adminRecord,
  asMsgFrame,
  asMsgRecord,
  compressedFrame,
  infoReplyFrame,
  lastRecord,
  queryEndFrame,
  u32,
} from '../../lib/testing/frame-builders';
import { CAPTURES_DIR, captureFrames } from '../helpers/capture-vectors';
import { LoopbackServer } from '../helpers/loopback-server';
import { leftovers, smallRequest } from '../helpers/transport-harness';
import { guardProcess, LONG_MODE, MemorySocket, Rng, seedFromEnv } from './hardening-kit';

const MEMORY_CASES = Number(process.env['FUZZ_CASES'] ?? (LONG_MODE ? 100_000 : 3_000));
const LOOPBACK_CASES = LONG_MODE ? 5_000 : 300;
const SEED = seedFromEnv(0x5eed_f022);
// Generous enough that 64 cases fed in parallel (one chunk per event-loop turn each) never miss it through lag alone.
const DEADLINE_MS = 250;
/** How late past "last byte + deadline" a case may settle before it counts as a hang (event-loop lag). */
const HANG_SLACK_MS = 1000;
/** The default cap: declared lengths at and just over it are among the mutations. */
const MAX_FRAME_BYTES = DEFAULT_MAX_FRAME_BYTES;
const CONNECT_OPTIONS = { infoTimeoutMs: DEADLINE_MS, loginTimeoutMs: DEADLINE_MS } as const;
const PARALLEL = Number(process.env.FUZZ_PAR ?? 64);

type OpKind = 'command' | 'commandAdmin' | 'commandStream' | 'commandStreamAdmin' | 'stream' | 'info' | 'login$';
const OP_KINDS: readonly OpKind[] = ['command', 'commandAdmin', 'commandStream', 'commandStreamAdmin', 'stream', 'info', 'login$'];
type Ending = 'fin' | 'rst' | 'silence';

interface FuzzCase {
  readonly index: number;
  readonly op: OpKind;
  readonly chunks: readonly Buffer[];
  readonly ending: Ending;
  /** The exact values of an unmutated valid reply; undefined when the bytes were mutated. */
  readonly expected: unknown[] | undefined;
}

interface CaseResult {
  readonly outcome: 'values' | 'typed_error' | 'untyped' | 'hang' | 'bad_values';
  readonly detail?: string;
  readonly code?: string;
  readonly lateMs: number;
}

// ---------------------------------------------------------------- corpus

function loadCaptures(): { info: Buffer[]; single: Buffer[]; streams: Buffer[][] } {
  const names = [...new Set(readdirSync(CAPTURES_DIR).filter((f) => f.endsWith('.frames.json')).map((f) => f.replace('.frames.json', '')))];
  const info: Buffer[] = [];
  const single: Buffer[] = [];
  const streams: Buffer[][] = [];
  for (const name of names) {
    for (const conn of [1, 2]) {
      let frames: Buffer[];
      try {
        frames = captureFrames(name, 's2c', conn);
      } catch {
        continue; // no such connection in this capture
      }
      frames = frames.filter((f) => f.length <= 64 * 1024).map((f) => Buffer.from(f));
      for (const f of frames) (f[1] === MessageType.INFO ? info : single).push(f);
      const data = frames.filter((f) => f[1] === MessageType.AS_MSG);
      // a scan / batch reply: data frames up to and including the one with INFO3_LAST
      const lastAt = data.findIndex((f) => f.length > PROTO_HEADER_SIZE && findAsMsgLast(f.subarray(PROTO_HEADER_SIZE)) !== undefined);
      if (conn === 2 && lastAt > 0 && /scan|batch/.test(name)) streams.push(data.slice(0, lastAt + 1));
    }
  }
  return { info, single, streams };
}

const captures = loadCaptures();

function builderStream(rng: Rng): Buffer[] {
  const frames: Buffer[] = [];
  const n = rng.int(4);
  for (let i = 0; i < n; i++) {
    const records = Array.from({ length: rng.range(0, 3) }, (_, g) => asMsgRecord({ generation: g, ops: rng.chance(0.5) ? [{ op: 1, name: 'b', value: rng.int(1000) }] : [] }));
    frames.push(asMsgFrame(records));
  }
  // a short query appends LAST to its final data frame; a scan sends it alone
  if (rng.chance(0.3) && frames.length > 0) frames[frames.length - 1] = asMsgFrame([frames[frames.length - 1]!.subarray(PROTO_HEADER_SIZE), lastRecord()]);
  else frames.push(asMsgFrame(lastRecord(rng.chance(0.8) ? 0 : 2)));
  return frames;
}

function adminReply(rng: Rng): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = rng.int(3); i > 0; i--) frames.push(rng.chance(0.2) ? encodeFrame(MessageType.ADMIN, Buffer.alloc(0)) : adminFrame([adminRecord({ fields: [{ type: 7, data: 'user' }] })]));
  frames.push(queryEndFrame());
  return frames;
}

const maybeCompress = (rng: Rng, frame: Buffer): Buffer => (frame[1] === MessageType.AS_MSG && rng.chance(0.25) ? compressedFrame(frame) : frame);
const body = (frame: Buffer): Buffer => frame.subarray(PROTO_HEADER_SIZE);

/** A valid reply for `op` and the values the transport must emit for it. */
function validReply(rng: Rng, op: OpKind): { frames: Buffer[]; expected: unknown[] } {
  switch (op) {
    case 'command': {
      const frame = rng.chance(0.6) ? rng.pick(captures.single) : asMsgFrame(asMsgRecord({ generation: rng.int(9), ops: [{ op: 1, name: 'x', value: 'v'.repeat(rng.int(300)) }] }));
      return { frames: [maybeCompress(rng, frame)], expected: [body(frame)] };
    }
    case 'commandAdmin': {
      const frame = adminFrame(adminRecord({ resultCode: rng.pick([0, 0, 50, 4]) }));
      return { frames: [frame], expected: [body(frame)] };
    }
    case 'commandStream':
    case 'stream': {
      const plain = rng.chance(0.5) && captures.streams.length > 0 ? rng.pick(captures.streams) : builderStream(rng);
      const wire = plain.map((f) => maybeCompress(rng, f));
      if (op === 'stream') return { frames: wire, expected: [...plain] };
      return { frames: wire, expected: [Buffer.concat(plain.map(body).filter((b) => b.length > 0))] };
    }
    case 'commandStreamAdmin': {
      const frames = adminReply(rng);
      return { frames, expected: [Buffer.concat(frames)] };
    }
    case 'info': {
      if (rng.chance(0.5)) {
        const frame = rng.pick(captures.info);
        return { frames: [frame], expected: undefined as unknown as unknown[] }; // checked structurally
      }
      const entries: Record<string, string> = {};
      for (let i = rng.range(1, 4); i > 0; i--) entries[`name${rng.int(50)}`] = `value${rng.int(1e6)}`;
      return { frames: [infoReplyFrame(entries)], expected: [{ ...entries }] };
    }
    case 'login$': {
      const token = Buffer.from(`tok-${rng.int(1e9)}`);
      const frame = adminFrame(adminRecord({ fields: [{ type: AdminField.SESSION_TOKEN, data: token }, { type: AdminField.SESSION_TTL, data: u32(60) }] }));
      return { frames: [frame], expected: [{ kind: 'session', token, ttlSeconds: 60 }] };
    }
  }
}

const INTERESTING = [0, 1, 2, 3, 4, 5, 7, 8, 0x16, 0x32, 0x7f, 0x80, 0xfe, 0xff, Info3.LAST];

/** One to four mutations; frame starts are known, so some mutations aim at header fields. */
function mutate(rng: Rng, frames: Buffer[]): Buffer {
  const starts: number[] = [];
  let at = 0;
  for (const f of frames) {
    starts.push(at);
    at += f.length;
  }
  let bytes = Buffer.concat(frames);
  for (let m = rng.range(1, 4); m > 0; m--) {
    const pos = bytes.length > 0 ? rng.int(bytes.length) : 0;
    switch (rng.int(10)) {
      case 0:
        if (bytes.length > 0) bytes[pos] = bytes[pos]! ^ (1 << rng.int(8));
        break;
      case 1:
        if (bytes.length > 0) bytes[pos] = rng.pick(INTERESTING);
        break;
      case 2: {
        // header attack: version, type or length of one frame
        const s = rng.pick(starts);
        if (s + PROTO_HEADER_SIZE > bytes.length) break;
        const field = rng.int(3);
        if (field === 0) bytes[s] = rng.pick([0, 1, 3, 0xff]);
        else if (field === 1) bytes[s + 1] = rng.pick([0, 1, 2, 3, 4, 5, 0xff]);
        else {
          const len = rng.pick([0, 1, 7, 8, 21, 22, 2 ** 16, MAX_FRAME_BYTES, MAX_FRAME_BYTES + 1, 2 ** 27, 2 ** 27 + 1, 2 ** 40, 2 ** 47, 2 ** 48 - 1, rng.int(2 ** 32)]);
          bytes.writeUInt16BE(Math.floor(len / 2 ** 32) & 0xffff, s + 2);
          bytes.writeUInt32BE(len >>> 0, s + 4);
        }
        break;
      }
      case 3:
        bytes = bytes.subarray(0, pos);
        break;
      case 4:
        bytes = Buffer.concat([bytes.subarray(0, pos), rng.bytes(rng.range(1, 16)), bytes.subarray(pos)]);
        break;
      case 5:
        bytes = Buffer.concat([bytes.subarray(0, pos), bytes.subarray(Math.min(bytes.length, pos + rng.range(1, 32)))]);
        break;
      case 6: {
        const len = rng.range(1, 64);
        bytes = Buffer.concat([bytes.subarray(0, pos), bytes.subarray(pos, pos + len), bytes.subarray(pos)]);
        break;
      }
      case 7:
        // trailing bytes after the reply (a protocol violation once the operation has ended)
        bytes = Buffer.concat([bytes, rng.chance(0.5) ? rng.bytes(rng.range(1, 24)) : frames[0]!]);
        break;
      case 8: {
        // a 32-bit field inside a record (field / op sizes) set to a hostile value
        if (bytes.length >= 4) bytes.writeUInt32BE(rng.pick([0, 1, 0x7fffffff, 0xffffffff, rng.int(2 ** 32)]), rng.int(bytes.length - 3));
        break;
      }
      default:
        // a frame of another kind spliced in
        bytes = Buffer.concat([bytes.subarray(0, pos), rng.pick([infoReplyFrame({ a: 'b' }), queryEndFrame(), asMsgFrame(lastRecord()), compressedFrame(asMsgFrame(lastRecord()))]), bytes.subarray(pos)]);
    }
  }
  return bytes;
}

/**
 * Random chunking with at most 24 cuts (some a single byte apart), so feeding stays well inside one
 * read deadline: the deadline restarts only when a header or a frame completes, not on every byte.
 */
function split(rng: Rng, bytes: Buffer): Buffer[] {
  if (bytes.length === 0) return [];
  if (rng.chance(0.3)) return [bytes];
  const cuts = new Set<number>();
  for (let i = rng.range(1, 24); i > 0; i--) {
    const at = rng.range(1, bytes.length);
    cuts.add(at);
    if (rng.chance(0.3)) cuts.add(Math.min(bytes.length, at + 1));
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of sorted) {
    if (at > from) chunks.push(bytes.subarray(from, at));
    from = at;
  }
  if (from < bytes.length) chunks.push(bytes.subarray(from));
  return chunks;
}

function makeCase(rng: Rng, index: number): FuzzCase {
  const op = rng.pick(OP_KINDS);
  const ending: Ending = rng.pick(['fin', 'fin', 'rst', 'silence', 'silence']);
  const roll = rng.next();
  if (roll < 0.05) return { index, op, chunks: split(rng, rng.bytes(rng.range(0, 200))), ending, expected: undefined };
  const { frames, expected } = validReply(rng, op);
  if (roll < 0.15) return { index, op, chunks: split(rng, Buffer.concat(frames)), ending, expected };
  return { index, op, chunks: split(rng, mutate(rng, frames)), ending, expected: undefined };
}

// ---------------------------------------------------------------- oracle

function operation(transport: TcpTransport, conn: Connection, op: OpKind): Observable<unknown> {
  switch (op) {
    case 'command':
      return transport.command$(conn, smallRequest(), DEADLINE_MS);
    case 'commandAdmin':
      return transport.command$(conn, smallRequest(), DEADLINE_MS, { messageType: 'admin' });
    case 'commandStream':
      return transport.commandStream$(conn, smallRequest(), DEADLINE_MS);
    case 'commandStreamAdmin':
      return transport.commandStream$(conn, smallRequest(), DEADLINE_MS, { messageType: 'admin' });
    case 'stream':
      return transport.stream$(conn, smallRequest(), DEADLINE_MS);
    case 'info':
      return transport.info$(conn, ['build', 'node']);
    case 'login$':
      return transport.login$(conn, { user: 'fuzz', sessionToken: Buffer.from('client-token') });
  }
}

const isFrame = (b: unknown, type: number): boolean =>
  Buffer.isBuffer(b) && b.length >= PROTO_HEADER_SIZE && b[0] === 2 && b[1] === type && b.readUInt16BE(2) * 2 ** 32 + b.readUInt32BE(4) === b.length - PROTO_HEADER_SIZE;

/** Why `values` cannot be a correct emission for `op` (structure only), or undefined. */
function structuralProblem(op: OpKind, values: unknown[]): string | undefined {
  switch (op) {
    case 'command':
    case 'commandAdmin':
    case 'commandStream':
      return values.length === 1 && Buffer.isBuffer(values[0]) ? undefined : `expected one Buffer, got ${values.length} values`;
    case 'commandStreamAdmin': {
      if (values.length !== 1 || !Buffer.isBuffer(values[0])) return `expected one Buffer, got ${values.length} values`;
      // whole admin frames, the last ending the reply
      const all = values[0] as Buffer;
      let at = 0;
      let last: Buffer | undefined;
      while (at < all.length) {
        const len = all.readUInt16BE(at + 2) * 2 ** 32 + all.readUInt32BE(at + 4);
        last = all.subarray(at, at + PROTO_HEADER_SIZE + len);
        if (!isFrame(last, MessageType.ADMIN)) return `admin commandStream emitted a malformed frame at ${at}`;
        at += last.length;
      }
      return last !== undefined && findAdminTerminal(body(last)) !== undefined ? undefined : 'admin commandStream ended without a terminal record';
    }
    case 'stream': {
      if (values.length === 0) return 'stream completed without emitting its terminal frame';
      if (!values.every((v) => isFrame(v, MessageType.AS_MSG))) return 'stream emitted something other than whole type-3 frames';
      const lastFrame = values[values.length - 1] as Buffer;
      return lastFrame.length > PROTO_HEADER_SIZE && findAsMsgLast(body(lastFrame)) !== undefined ? undefined : 'stream completed on a frame without INFO3_LAST';
    }
    case 'info': {
      const reply = values[0] as Record<string, unknown>;
      if (values.length !== 1 || reply === null || typeof reply !== 'object') return 'info emitted no reply object';
      if (Object.getPrototypeOf(reply) !== null) return 'info reply does not have a null prototype';
      return Object.values(reply).every((v) => typeof v === 'string') ? undefined : 'info reply has a non-string value';
    }
    case 'login$': {
      const reply = values[0] as { kind?: string };
      return values.length === 1 && ['session', 'ok_no_token', 'security_not_enabled'].includes(reply?.kind ?? '') ? undefined : 'login$ emitted no LoginReply';
    }
  }
}

function normalise(op: OpKind, values: unknown[]): unknown[] {
  return op === 'info' ? values.map((v) => ({ ...(v as object) })) : values;
}

// ---------------------------------------------------------------- runners

const ONLY = process.env['FUZZ_ONLY'] === undefined ? undefined : Number(process.env['FUZZ_ONLY']);
const feedStarted = new Map<number, number>();

interface Feeder {
  /** Delivers the chunks (yielding between them), then the ending; resolves when the last byte went out. */
  (c: FuzzCase): Promise<number>;
}

/** Runs one case: connect$, the operation, the oracle. `open` gives a connection whose server side plays `c`. */
async function runCase(c: FuzzCase, open: () => Promise<{ transport: TcpTransport; conn: Connection; fed: Promise<number> }>): Promise<CaseResult> {
  const { transport, conn, fed } = await open();
  feedStarted.set(c.index, Date.now());
  const values: unknown[] = [];
  let subscription: Subscription | undefined;
  const settled = new Promise<{ error?: unknown; threw?: unknown }>((resolveSettled) => {
    try {
      subscription = operation(transport, conn, c.op).subscribe({
        next: (v) => values.push(v),
        error: (error: unknown) => resolveSettled({ error }),
        complete: () => resolveSettled({}),
      });
    } catch (threw) {
      resolveSettled({ threw });
    }
  });
  let watchdog: NodeJS.Timeout | undefined;
  let lastByteAt: number | undefined;
  void fed.then((at) => (lastByteAt = at));
  let raced = false;
  const hang = fed.then(
    () =>
      new Promise<'hang'>((r) => {
        // the feeder may finish after the operation already ended: then no watchdog is needed
        if (!raced) watchdog = setTimeout(() => r('hang'), DEADLINE_MS + HANG_SLACK_MS);
      }),
  );
  const end = await Promise.race([settled, hang]);
  raced = true;
  clearTimeout(watchdog);
  const settledAt = Date.now();
  await new Promise<void>((r) => setImmediate(r));
  const lateMs = lastByteAt === undefined ? 0 : Math.max(0, settledAt - lastByteAt - DEADLINE_MS);
  subscription?.unsubscribe();
  transport.close(conn);

  if (end === 'hang') return { outcome: 'hang', detail: `${c.op} case ${c.index} did not settle ${DEADLINE_MS + HANG_SLACK_MS} ms after its last byte`, lateMs };
  if (end.threw !== undefined) return { outcome: 'untyped', detail: `subscribe threw ${String(end.threw)}`, lateMs };
  if (end.error !== undefined) {
    const e = end.error;
    if (!(e instanceof AerospikeError)) return { outcome: 'untyped', detail: `${c.op} case ${c.index}: ${(e as Error)?.stack ?? String(e)}`, lateMs };
    if (['connection_busy', 'no_script', 'connection_error'].includes(e.code) || e.inDoubt !== true || e.node === undefined) {
      return { outcome: 'untyped', detail: `${c.op} case ${c.index}: unexpected ${e.code} inDoubt=${e.inDoubt} node=${e.node}: ${e.message}`, lateMs };
    }
    // a valid reply may time out only when feeding it took longer than a read deadline (a loaded machine)
    const slowFeed = e.code === 'timeout' && lastByteAt === undefined && settledAt - (feedStarted.get(c.index) ?? settledAt) >= DEADLINE_MS;
    if (c.expected !== undefined && c.ending !== 'rst' && !slowFeed) {
      const feedMs = lastByteAt === undefined ? 'still feeding' : `${lastByteAt - (feedStarted.get(c.index) ?? 0)} ms`;
      return { outcome: 'bad_values', detail: `${c.op} case ${c.index}: a valid reply (${c.chunks.length} chunks fed in ${feedMs}) failed with ${e.code}: ${e.message}`, lateMs };
    }
    feedStarted.delete(c.index);
    return { outcome: 'typed_error', code: slowFeed && c.expected !== undefined ? 'timeout (valid reply fed slower than the deadline)' : e.code, lateMs };
  }
  const problem = structuralProblem(c.op, values);
  feedStarted.delete(c.index);
  if (problem !== undefined) return { outcome: 'bad_values', detail: `${c.op} case ${c.index}: ${problem}`, lateMs };
  if (c.expected !== undefined && !isDeepStrictEqual(normalise(c.op, values), c.expected)) {
    return { outcome: 'bad_values', detail: `${c.op} case ${c.index}: emitted values differ from the valid reply's`, lateMs };
  }
  return { outcome: 'values', lateMs };
}

const memoryFeeder = (socket: MemorySocket): Feeder => async (c) => {
  for (const chunk of c.chunks) {
    socket.feed(Buffer.from(chunk));
    await new Promise<void>((r) => setImmediate(r));
  }
  const at = Date.now();
  if (c.ending === 'fin') socket.finish();
  else if (c.ending === 'rst') socket.reset();
  return at;
};

async function openMemory(c: FuzzCase): Promise<{ transport: TcpTransport; conn: Connection; fed: Promise<number> }> {
  const socket = new MemorySocket();
  const transport = new TcpTransport({ socketFactory: () => socket as unknown as Socket });
  const conn = await firstValueFrom(transport.connect$('127.0.0.1', 3000, CONNECT_OPTIONS));
  const fed = new Promise<number>((resolveFed) => {
    socket.onRequest = () => {
      socket.onRequest = () => undefined;
      setImmediate(() => void memoryFeeder(socket)(c).then(resolveFed));
    };
  });
  return { transport, conn, fed };
}

interface Tally {
  cases: number;
  values: number;
  typed: Record<string, number>;
  failed: number;
  /** The first 20 failures. */
  failures: string[];
  maxLateMs: number;
  elapsedMs: number;
}

async function runAll(count: number, seed: number, open: (c: FuzzCase) => ReturnType<typeof openMemory>, parallel: number): Promise<Tally> {
  const rng = new Rng(seed);
  const tally: Tally = { cases: 0, values: 0, typed: {}, failed: 0, failures: [], maxLateMs: 0, elapsedMs: 0 };
  const started = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const c = makeCase(rng, next++);
      if (ONLY !== undefined && c.index !== ONLY) continue;
      if (ONLY !== undefined) console.log('case', c.op, c.ending, c.chunks.map((b) => b.toString('hex')));
      const r = await runCase(c, () => open(c));
      tally.cases++;
      tally.maxLateMs = Math.max(tally.maxLateMs, r.lateMs);
      if (r.outcome === 'values') tally.values++;
      else if (r.outcome === 'typed_error') tally.typed[r.code!] = (tally.typed[r.code!] ?? 0) + 1;
      else {
        tally.failed++;
        if (tally.failures.length < 20) tally.failures.push(`${r.outcome}: ${r.detail}`);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  tally.elapsedMs = Date.now() - started;
  return tally;
}

function report(label: string, t: Tally): void {
  const typed = Object.entries(t.typed)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`\n${label}: ${t.cases} cases (seed ${SEED}) in ${t.elapsedMs} ms: ${t.values} correct emissions, typed errors {${typed}}, ${t.failed} failures; latest settle ${t.maxLateMs} ms past last byte + deadline`);
}

describe('transport fuzzing', () => {
  guardProcess();
  let baseline: Record<string, number> = {};

  beforeAll(async () => {
    baseline = await leftovers({}, 0);
    console.log(`\nfuzz corpus: ${captures.single.length} single reply frames, ${captures.streams.length} scan/batch streams, ${captures.info.length} info frames from ${CAPTURES_DIR}`);
  });

  it(`answers ${MEMORY_CASES} mutated server streams (in-memory socket) with correct emissions or typed errors, never a hang`, async () => {
    const tally = await runAll(MEMORY_CASES, SEED, openMemory, PARALLEL);
    report('fuzz (in-memory socket)', tally);
    expect(tally.failed).toBe(0);
      expect(tally.failures).toEqual([]);
    expect(tally.cases).toBe(MEMORY_CASES);
    // the generator must reach both outcomes, or the oracle is not being exercised
    expect(tally.values).toBeGreaterThan(MEMORY_CASES / 20);
    expect(Object.keys(tally.typed)).toEqual(jasmine.arrayContaining(['parse_error', 'network_error', 'timeout']));
  }, LONG_MODE ? 600_000 : 30_000);

  it(`answers ${LOOPBACK_CASES} mutated server streams over real loopback sockets the same way`, async () => {
    const byPort = new Map<number, FuzzCase>();
    const server = await LoopbackServer.start(async (peer) => {
      if ((await peer.readFrame()) === undefined) return;
      const c = byPort.get(peer.socket.remotePort!);
      const fed = feeds.get(peer.socket.remotePort!);
      if (c === undefined || fed === undefined) return peer.reset();
      peer.socket.setNoDelay(true);
      for (const chunk of c.chunks) {
        peer.write(chunk);
        await new Promise<void>((r) => setImmediate(r));
      }
      const at = Date.now();
      if (c.ending === 'fin') peer.end();
      else if (c.ending === 'rst') peer.reset();
      fed.resolve(at);
    });
    const feeds = new Map<number, { resolve: (at: number) => void }>();
    const openLoopback = async (c: FuzzCase): Promise<{ transport: TcpTransport; conn: Connection; fed: Promise<number> }> => {
      let resolveFed!: (at: number) => void;
      const fed = new Promise<number>((r) => (resolveFed = r));
      const transport = new TcpTransport({
        socketFactory: (config) => {
          const socket = netConnect({ host: config.host, port: config.port });
          socket.once('connect', () => {
            byPort.set(socket.localPort!, c);
            feeds.set(socket.localPort!, { resolve: resolveFed });
          });
          return socket;
        },
      });
      const conn = await firstValueFrom(transport.connect$('127.0.0.1', server.port, CONNECT_OPTIONS));
      return { transport, conn, fed };
    };
    try {
      const tally = await runAll(LOOPBACK_CASES, SEED ^ 0x1007, openLoopback, 16);
      report('fuzz (loopback sockets)', tally);
      expect(tally.failed).toBe(0);
      expect(tally.failures).toEqual([]);
      expect(tally.cases).toBe(LOOPBACK_CASES);
      const open = server.peers.filter((p) => !p.clientClosed).length;
      expect(open).withContext('server-side sockets whose client never closed').toBe(0);
    } finally {
      await server.stop();
    }
  }, LONG_MODE ? 600_000 : 30_000);

  afterAll(async () => {
    expect(await leftovers(baseline)).withContext('sockets or timers left after fuzzing').toEqual({});
  });
});
