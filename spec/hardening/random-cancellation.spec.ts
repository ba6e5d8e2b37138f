// Seeded random cancellation: operations of every kind (connect$ with and without login, info$,
// command$, commandStream$, stream$, login$) against a loopback server that answers every reply in
// small chunks, one per event-loop turn, so unsubscribing lands before the write, mid-header,
// between chunks of one frame, between frames, or after the end. Afterwards: the server saw every
// aborted socket close, no handle is left, and every operation that was not aborted either emitted
// exactly the right values or failed with a typed AerospikeError.
//
// npm test: 800 operations. HARDENING_LONG=1: 10,000. HARDENING_SEED replays a run.

import type { Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { Observable, Subscription } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { Connection } from '../../lib/node-transport';
import { MessageType, PROTO_HEADER_SIZE } from '../../lib/protocol/constants';
import { adminFrame, adminRecord, asMsgFrame, asMsgRecord, infoReplyFrame, lastRecord } from '../../lib/testing/frame-builders';
import { LoopbackServer, type Peer } from '../helpers/loopback-server';
import { leftovers } from '../helpers/transport-harness';
import { eventually, guardProcess, LONG_MODE, Rng, seedFromEnv, SocketTracker } from './hardening-kit';

const OPERATIONS = LONG_MODE ? 10_000 : 800;
const WORKERS = 24;
const SEED = seedFromEnv(0xca9ce1);
const DEADLINE_MS = 2000;

type Kind = 'connect$' | 'connect$+login' | 'info$' | 'command$' | 'commandStream$' | 'stream$' | 'login$';
const OP_KINDS: readonly Kind[] = ['info$', 'command$', 'commandStream$', 'stream$', 'login$', 'connect$', 'connect$+login'];

// ------------------------------------------------------------------ the server

const dataRecord = (i: number): Buffer => asMsgRecord({ generation: i, ops: [{ op: 1, name: 'bin', value: `value-${i}` }] });

/** The reply frames for a request; the as_msg generation (body offset 6) says how many data frames a stream has. */
function replyFor(request: Buffer): Buffer[] {
  const body = request.subarray(PROTO_HEADER_SIZE);
  switch (request[1]) {
    case MessageType.INFO: {
      const names = body.toString('utf8').split('\n').filter((n) => n.length > 0);
      return [infoReplyFrame(Object.fromEntries(names.map((n) => [n, `value of ${n}`])))];
    }
    case MessageType.ADMIN:
      return [adminFrame(adminRecord())];
    default: {
      const frames = body.readUInt32BE(6);
      if (frames === 0) return [asMsgFrame(dataRecord(0))];
      const out: Buffer[] = [];
      for (let f = 0; f < frames; f++) out.push(asMsgFrame([dataRecord(2 * f), dataRecord(2 * f + 1)]));
      out.push(asMsgFrame(lastRecord()));
      return out;
    }
  }
}

function streamRequest(frames: number): Buffer {
  return asMsgFrame(asMsgRecord({ info1: 1, generation: frames, fields: [{ type: 0, data: 'test' }] }));
}

/** Answers requests in order, each reply in 1..24-byte chunks, one chunk per event-loop turn. */
function chunkingScript(rng: Rng): (peer: Peer) => Promise<void> {
  return async (peer) => {
    peer.socket.setNoDelay(true);
    for (;;) {
      const request = await peer.readFrame();
      if (request === undefined) return;
      const sizes = Array.from({ length: 8 }, () => rng.range(1, 24));
      await peer.chunked(Buffer.concat(replyFor(request)), sizes);
    }
  };
}

// ------------------------------------------------------------------ the operations

interface Planned {
  readonly kind: Kind;
  readonly source: Observable<unknown>;
  readonly expected: unknown[];
  /** The socket the operation runs on (for connect$: the one it creates). */
  socket(): Socket | undefined;
}

type Abort = { readonly how: 'never' } | { readonly how: 'sync' } | { readonly how: 'turns'; readonly n: number } | { readonly how: 'ms'; readonly n: number } | { readonly how: 'after-values'; readonly n: number };

function planAbort(rng: Rng): Abort {
  const r = rng.next();
  if (r < 0.25) return { how: 'never' };
  if (r < 0.3) return { how: 'sync' };
  if (r < 0.65) return { how: 'turns', n: rng.range(0, 40) };
  if (r < 0.9) return { how: 'ms', n: rng.range(0, 6) };
  return { how: 'after-values', n: rng.range(1, 3) };
}

interface Tally {
  started: number;
  aborted: number;
  succeeded: number;
  typed: Record<string, number>;
  byKind: Record<string, number>;
  problems: string[];
  /** Local ports of sockets an abort should have closed. */
  abortedSockets: Socket[];
}

describe('random cancellation', () => {
  guardProcess();
  let server: LoopbackServer;
  let baseline: Record<string, number> = {};

  beforeAll(async () => {
    baseline = await leftovers({}, 0);
    server = await LoopbackServer.start(chunkingScript(new Rng(SEED ^ 0x5e7e7)));
  });

  afterAll(async () => {
    await server.stop();
    expect(await leftovers(baseline)).withContext('sockets or timers left after the run').toEqual({});
  });

  it(`unsubscribes ${OPERATIONS} seeded operations at random moments and loses or leaks nothing`, async () => {
    const rng = new Rng(SEED);
    const tracker = new SocketTracker();
    const transport = new TcpTransport({ socketFactory: tracker.factory });
    const socketOf = new Map<Connection, Socket>();
    const tally: Tally = { started: 0, aborted: 0, succeeded: 0, typed: {}, byKind: {}, problems: [], abortedSockets: [] };
    const started = Date.now();

    const connectPlan = (withLogin: boolean): Planned => {
      let socket: Socket | undefined;
      const first = tracker.sockets.length;
      const source = transport.connect$('127.0.0.1', server.port, withLogin ? { user: 'admin', password: 'admin-pw', connectTimeoutMs: DEADLINE_MS } : { connectTimeoutMs: DEADLINE_MS });
      return {
        kind: withLogin ? 'connect$+login' : 'connect$',
        source,
        expected: [],
        socket: () => (socket ??= tracker.sockets[first]),
      };
    };

    const opPlan = (kind: Kind, conn: Connection): Planned => {
      const socket = (): Socket | undefined => socketOf.get(conn);
      const frames = rng.range(1, 4);
      const streamReply = replyFor(streamRequest(frames));
      switch (kind) {
        case 'info$': {
          const names = ['build', 'node', `name${rng.int(100)}`];
          return { kind, socket, source: transport.info$(conn, names), expected: [Object.fromEntries(names.map((n) => [n, `value of ${n}`]))] };
        }
        case 'command$':
          return { kind, socket, source: transport.command$(conn, streamRequest(0), DEADLINE_MS), expected: [asMsgFrame(dataRecord(0)).subarray(PROTO_HEADER_SIZE)] };
        case 'commandStream$':
          return { kind, socket, source: transport.commandStream$(conn, streamRequest(frames), DEADLINE_MS), expected: [Buffer.concat(streamReply.map((f) => f.subarray(PROTO_HEADER_SIZE)))] };
        case 'stream$':
          return { kind, socket, source: transport.stream$(conn, streamRequest(frames), DEADLINE_MS), expected: streamReply };
        case 'login$':
          return { kind, socket, source: transport.login$(conn, { user: 'admin', sessionToken: Buffer.from('token') }), expected: [{ kind: 'ok_no_token' }] };
        default:
          throw new Error(kind);
      }
    };

    /** Runs one operation to its end or its abort; resolves with the connection a connect$ produced. */
    const runOne = (plan: Planned, abort: Abort): Promise<Connection | undefined> =>
      new Promise((resolveRun) => {
        const values: unknown[] = [];
        let ended = false;
        let subscription: Subscription | undefined;
        let abortNow = false;
        const doAbort = (): void => {
          if (ended) return;
          ended = true;
          tally.aborted++;
          subscription?.unsubscribe();
          const socket = plan.socket();
          if (socket !== undefined) {
            if (!socket.destroyed) tally.problems.push(`${plan.kind}: socket still alive right after unsubscribe`);
            tally.abortedSockets.push(socket);
          }
          // a connection emitted before the abort (connect$ completes synchronously after next) is kept
          resolveRun(undefined);
        };
        subscription = plan.source.subscribe({
          next: (v) => {
            values.push(v);
            if (abort.how === 'after-values' && values.length >= abort.n && plan.kind !== 'connect$' && plan.kind !== 'connect$+login') abortNow = true;
          },
          error: (error: unknown) => {
            if (ended) return;
            ended = true;
            if (error instanceof AerospikeError) tally.typed[error.code] = (tally.typed[error.code] ?? 0) + 1;
            else tally.problems.push(`${plan.kind}: untyped error ${String(error)}`);
            resolveRun(undefined);
          },
          complete: () => {
            if (ended) return;
            ended = true;
            if (plan.kind === 'connect$' || plan.kind === 'connect$+login') {
              const conn = values[0] as Connection;
              socketOf.set(conn, plan.socket()!);
              tally.succeeded++;
              resolveRun(conn);
              return;
            }
            const got = plan.kind === 'info$' ? values.map((v) => ({ ...(v as object) })) : values;
            if (isDeepStrictEqual(got, plan.expected)) tally.succeeded++;
            else tally.problems.push(`${plan.kind}: emitted ${values.length} values that differ from the reply`);
            resolveRun(undefined);
          },
        });
        if (abortNow) return doAbort(); // stream$ reached its n-th value synchronously (never in practice)
        if (ended) return;
        switch (abort.how) {
          case 'never':
            return;
          case 'sync':
            return doAbort();
          case 'ms':
            return void setTimeout(doAbort, abort.n);
          case 'turns': {
            let n = abort.n;
            const turn = (): void => {
              if (ended) return;
              if (n-- <= 0) doAbort();
              else setImmediate(turn);
            };
            return turn();
          }
          case 'after-values': {
            const poll = (): void => {
              if (ended) return;
              if (abortNow || values.length >= abort.n) doAbort();
              else setImmediate(poll);
            };
            return poll();
          }
        }
      });

    const open = new Set<Connection>();
    const worker = async (): Promise<void> => {
      let conn: Connection | undefined;
      while (tally.started < OPERATIONS) {
        tally.started++;
        const kind: Kind = conn === undefined || !conn.isOpen ? (rng.chance(0.3) ? 'connect$+login' : 'connect$') : rng.pick(OP_KINDS);
        tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
        const plan = kind === 'connect$' || kind === 'connect$+login' ? connectPlan(kind === 'connect$+login') : opPlan(kind, conn!);
        const opened = await runOne(plan, planAbort(rng));
        if (opened !== undefined) {
          // a worker keeps one connection; an extra one (connect$ on a live conn) is closed at once
          if (conn !== undefined && conn.isOpen) {
            transport.close(opened);
          } else {
            conn = opened;
            open.add(opened);
          }
        }
        if (conn !== undefined && !conn.isOpen) {
          open.delete(conn);
          conn = undefined;
        }
      }
      if (conn !== undefined) open.add(conn);
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));

    // Before closing the survivors: the server has closed exactly the sockets the client closed.
    const serverSaw = (s: Socket): boolean => server.peers.some((p) => p.socket.remotePort === s.localPort && p.clientClosed);
    const abortedOpen = (): Socket[] => tally.abortedSockets.filter((s) => s.localPort !== undefined && !serverSaw(s));
    await eventually(() => abortedOpen().length === 0, 2000);
    expect(abortedOpen().length).withContext('aborted sockets the server never saw close').toBe(0);
    // both sides read afresh each time: a connection torn down by the last aborted operations may
    // still be closing on either side, and equal counts alone can pair one side's closing socket with another
    const liveClient = (): number[] => [...open].filter((c) => c.isOpen).map((c) => socketOf.get(c)!.localPort!).sort();
    const liveServer = (): number[] => server.peers.filter((p) => !p.clientClosed).map((p) => p.socket.remotePort!).sort();
    await eventually(() => liveServer().join() === liveClient().join(), 2000);
    expect(liveServer()).withContext('server-side sockets still open = client connections still open').toEqual(liveClient());

    for (const c of open) transport.close(c);
    expect(await eventually(() => tracker.sockets.every((s) => s.destroyed), 2000)).withContext('every client socket destroyed').toBeTrue();
    expect(await eventually(() => server.peers.every((p) => p.clientClosed), 2000)).withContext('server saw every socket close').toBeTrue();

    const typed = Object.entries(tally.typed).map(([k, v]) => `${k} ${v}`).join(', ');
    const kinds = Object.entries(tally.byKind).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(
      `\nrandom cancellation (seed ${SEED}): ${tally.started} operations in ${Date.now() - started} ms {${kinds}}: ${tally.aborted} aborted ` +
        `(${tally.abortedSockets.length} sockets, all seen closed by the server), ${tally.succeeded} succeeded with the exact reply, typed errors {${typed}}, ` +
        `${server.peers.length} server-side sockets`,
    );
    expect(tally.problems.slice(0, 20)).toEqual([]);
    expect(tally.started).toBe(OPERATIONS);
    expect(tally.aborted + tally.succeeded + Object.values(tally.typed).reduce((a, b) => a + b, 0)).toBe(OPERATIONS);
    expect(tally.aborted).toBeGreaterThan(OPERATIONS / 4);
    expect(tally.succeeded).toBeGreaterThan(OPERATIONS / 10);
  }, LONG_MODE ? 600_000 : 30_000);
});
