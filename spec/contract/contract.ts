// The transport contract (design.md §2), written once and run against every NodeTransport through a
// Harness that scripts the node's side of each exchange: the fake from its script queues, the TCP
// transport from a loopback server. A difference between the two is a bug in one of them.

import { firstValueFrom, type Observable } from 'rxjs';
import type { ConnectOptions, Connection, NodeTransport } from '../../lib/node-transport';
import { Info1 } from '../../lib/protocol/constants';
import { encodeInfoRequest } from '../../lib/protocol/info';
import { asMsgFrame, asMsgRecord, infoReplyFrame, lastRecord } from '../../lib/testing/frame-builders';

export type Shape = 'command' | 'commandStream' | 'stream' | 'info';

/** What the node does with the next request of a shape. */
export interface Exchange {
  readonly shape: Shape;
  /** The whole request frame the client is expected to send (info: the encoded info request). */
  readonly request: Buffer;
  /** Whole frames the node answers with, after `delayMs`. */
  readonly frames: readonly Buffer[];
  /**
   * Counted from when the node takes the request up: it serves one request at a time per
   * connection (as a real server does), so a pipelined request waits for the replies before it.
   */
  readonly delayMs?: number;
  /** After the frames: stay open and answer later requests ('idle'), go silent ('stall') or close ('close'). */
  readonly then: 'idle' | 'stall' | 'close';
}

export interface Harness {
  readonly transport: NodeTransport;
  setup(): Promise<void>;
  connect(opts?: ConnectOptions): Promise<Connection>;
  script(exchange: Exchange): void;
  /** Every request frame the node received, in order. */
  requests(): Buffer[];
  /** Resolves once the node's side of the latest exchange has been released (script unsubscribed, socket closed). */
  released(): Promise<void>;
  teardown(): Promise<void>;
}

interface Outcome {
  readonly values: Buffer[] | unknown[];
  readonly completed: boolean;
  readonly error?: { code: unknown; inDoubt: unknown };
}

/** Subscribes and settles on completion or error; errors are reduced to code and inDoubt. */
export function outcome<T>(source: Observable<T>): Promise<Outcome> {
  return new Promise((resolve) => {
    const values: T[] = [];
    source.subscribe({
      next: (v) => values.push(v),
      error: (e: { code?: unknown; inDoubt?: unknown }) => resolve({ values, completed: false, error: { code: e.code, inDoubt: e.inDoubt } }),
      complete: () => resolve({ values, completed: true }),
    });
  });
}

const DEADLINE_MS = 100;
const REQ = asMsgFrame(asMsgRecord({ info1: Info1.READ | Info1.GET_ALL, transactionTtl: 1000, fields: [{ type: 0, data: 'test' }] }));
const R1 = asMsgRecord({ generation: 1, ops: [{ op: 1, name: 'bin1', value: 'value1' }] });
const R2 = asMsgRecord({ generation: 2 });
const F1 = asMsgFrame([R1, R2]);
const F2 = asMsgFrame(asMsgRecord({ generation: 3 }));
const LAST = asMsgFrame(lastRecord());

const body = (frame: Buffer): Buffer => frame.subarray(8);

export function describeTransportContract(name: string, makeHarness: () => Harness): void {
  describe(`transport contract: ${name}`, () => {
    let h: Harness;
    let conn: Connection;

    beforeEach(async () => {
      h = makeHarness();
      await h.setup();
      conn = await h.connect({ connectTimeoutMs: 1000 });
    });

    afterEach(async () => {
      h.transport.close(conn);
      await h.teardown();
    });

    it('command$ emits the reply body, completes, and leaves the connection reusable', async () => {
      h.script({ shape: 'command', request: REQ, frames: [asMsgFrame(R1)], then: 'idle' });
      h.script({ shape: 'command', request: REQ, frames: [asMsgFrame(R2)], delayMs: 10, then: 'idle' });
      expect(await outcome(h.transport.command$(conn, REQ, DEADLINE_MS))).toEqual({ values: [R1], completed: true });
      expect(await outcome(h.transport.command$(conn, [REQ.subarray(0, 5), REQ.subarray(5)], DEADLINE_MS))).toEqual({ values: [R2], completed: true });
      expect(conn.isOpen).toBeTrue();
      expect(h.requests()).toEqual([REQ, REQ]);
    });

    it('commandStream$ emits the concatenated as_msg bodies through the terminal record, then completes', async () => {
      h.script({ shape: 'commandStream', request: REQ, frames: [F1, F2, LAST], then: 'idle' });
      const result = await outcome(h.transport.commandStream$(conn, REQ, DEADLINE_MS));
      expect(result).toEqual({ values: [Buffer.concat([body(F1), body(F2), body(LAST)])], completed: true });
      expect(conn.isOpen).toBeTrue();
    });

    it('stream$ emits each whole frame, the terminal frame included, then completes', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1, F2, LAST], then: 'idle' });
      expect(await outcome(h.transport.stream$(conn, REQ, DEADLINE_MS))).toEqual({ values: [F1, F2, LAST], completed: true });
      expect(conn.isOpen).toBeTrue();
    });

    it('info$ emits the parsed reply as a null-prototype object', async () => {
      const names = ['node', 'build'];
      h.script({ shape: 'info', request: encodeInfoRequest(names), frames: [infoReplyFrame({ node: 'BB9', build: '8.0.0.1' })], then: 'idle' });
      const reply = await firstValueFrom(h.transport.info$(conn, names));
      expect(Object.getPrototypeOf(reply)).toBeNull();
      expect({ ...reply }).toEqual({ node: 'BB9', build: '8.0.0.1' });
      expect(h.requests()).toEqual([encodeInfoRequest(names)]);
    });

    it('command$ errors with timeout, in doubt, when no reply comes within deadlineMs; the handle is then dead', async () => {
      h.script({ shape: 'command', request: REQ, frames: [], then: 'stall' });
      expect(await outcome(h.transport.command$(conn, REQ, 50))).toEqual({ values: [], completed: false, error: { code: 'timeout', inDoubt: true } });
      expect(conn.isOpen).toBeFalse();
      expect((await outcome(h.transport.command$(conn, REQ, 50))).error?.code).toBe('network_error');
    });

    it('info$ errors with timeout, in doubt like any error after the write, when no reply comes within infoTimeoutMs', async () => {
      const quick = await h.connect({ connectTimeoutMs: 1000, infoTimeoutMs: 50 });
      h.script({ shape: 'info', request: encodeInfoRequest(['build']), frames: [], then: 'stall' });
      try {
        expect(await outcome(h.transport.info$(quick, ['build']))).toEqual({ values: [], completed: false, error: { code: 'timeout', inDoubt: true } });
        expect(quick.isOpen).toBeFalse();
      } finally {
        h.transport.close(quick);
      }
    });

    it('stream$ errors with timeout when the next frame stalls, after the frames that came', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1], then: 'stall' });
      expect(await outcome(h.transport.stream$(conn, REQ, 50))).toEqual({ values: [F1], completed: false, error: { code: 'timeout', inDoubt: true } });
    });

    it('command$ errors with network_error, in doubt, when the node closes before the reply', async () => {
      h.script({ shape: 'command', request: REQ, frames: [], then: 'close' });
      expect(await outcome(h.transport.command$(conn, REQ, DEADLINE_MS))).toEqual({ values: [], completed: false, error: { code: 'network_error', inDoubt: true } });
      expect(conn.isOpen).toBeFalse();
    });

    it('stream$ errors with network_error when the node closes before the terminal frame', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1], then: 'close' });
      expect(await outcome(h.transport.stream$(conn, REQ, DEADLINE_MS))).toEqual({ values: [F1], completed: false, error: { code: 'network_error', inDoubt: true } });
    });

    it('a second operation while one is in flight errors with connection_busy at once, not in doubt, leaving the first alone', async () => {
      h.script({ shape: 'command', request: REQ, frames: [asMsgFrame(R1)], delayMs: 30, then: 'idle' });
      const first = outcome(h.transport.command$(conn, REQ, DEADLINE_MS));
      let busy: { code?: unknown; inDoubt?: unknown } | undefined;
      h.transport.command$(conn, REQ, DEADLINE_MS).subscribe({ error: (e: { code?: unknown; inDoubt?: unknown }) => (busy = e) });
      expect(busy).toEqual(jasmine.objectContaining({ code: 'connection_busy', inDoubt: false }));
      expect(await first).toEqual({ values: [R1], completed: true });
      expect(conn.isOpen).toBeTrue();
      expect(h.requests()).toEqual([REQ]);
    });

    it('a closed handle errors with network_error, not in doubt; close is idempotent and never throws', async () => {
      h.transport.close(conn);
      expect(() => h.transport.close(conn)).not.toThrow();
      expect(conn.isOpen).toBeFalse();
      expect(await outcome(h.transport.command$(conn, REQ, DEADLINE_MS))).toEqual({ values: [], completed: false, error: { code: 'network_error', inDoubt: false } });
      expect(h.requests()).toEqual([]);
    });

    it('close during an operation ends it with network_error', async () => {
      h.script({ shape: 'command', request: REQ, frames: [], then: 'stall' });
      const pending = outcome(h.transport.command$(conn, REQ, 1000));
      await delay(20);
      h.transport.close(conn);
      expect((await pending).error?.code).toBe('network_error');
    });

    describe('with pipeline: true', () => {
      let piped: Connection;
      beforeEach(async () => {
        piped = await h.connect({ connectTimeoutMs: 1000, pipeline: true });
      });
      afterEach(() => h.transport.close(piped));

      it("starts a pipelined command$'s deadline when its reply is the next one due, not at subscribe", async () => {
        // the second reply comes 500 ms after its subscribe but 200 ms after the first reply: within 400 ms
        h.script({ shape: 'command', request: REQ, frames: [asMsgFrame(R1)], delayMs: 300, then: 'idle' });
        h.script({ shape: 'command', request: REQ, frames: [asMsgFrame(R2)], delayMs: 200, then: 'idle' });
        const replies = await Promise.all([outcome(h.transport.command$(piped, REQ, 400)), outcome(h.transport.command$(piped, REQ, 400))]);
        expect(replies).toEqual([
          { values: [R1], completed: true },
          { values: [R2], completed: true },
        ]);
        expect(piped.isOpen).toBeTrue();
      });

      it('times a pipelined reply out by its own deadline, counted from when the reply before it came', async () => {
        h.script({ shape: 'command', request: REQ, frames: [asMsgFrame(R1)], delayMs: 200, then: 'idle' });
        h.script({ shape: 'command', request: REQ, frames: [], then: 'stall' });
        const started = Date.now();
        const first = outcome(h.transport.command$(piped, REQ, 400));
        const second = outcome(h.transport.command$(piped, REQ, 400)).then((result) => ({ result, afterMs: Date.now() - started }));
        expect(await first).toEqual({ values: [R1], completed: true });
        const { result, afterMs } = await second;
        expect(result).toEqual({ values: [], completed: false, error: { code: 'timeout', inDoubt: true } });
        // 200 ms for the first reply, then the second's own 400 ms (timers never fire early)
        expect(afterMs).toBeGreaterThanOrEqual(590);
        expect(piped.isOpen).toBeFalse();
      });
    });

    describe('with maxFrameBytes', () => {
      // a record whose body alone is over the limit: the frame carrying it declares a longer body
      const BIG = asMsgRecord({ generation: 1, ops: [{ op: 1, name: 'bin1', value: 'x'.repeat(200) }] });
      let small: Connection;
      beforeEach(async () => {
        small = await h.connect({ connectTimeoutMs: 1000, maxFrameBytes: 64 });
      });
      afterEach(() => h.transport.close(small));

      it('command$ errors with parse_error, in doubt, when the reply frame is over maxFrameBytes; the handle is then dead', async () => {
        h.script({ shape: 'command', request: REQ, frames: [asMsgFrame(BIG)], then: 'idle' });
        expect(await outcome(h.transport.command$(small, REQ, DEADLINE_MS))).toEqual({ values: [], completed: false, error: { code: 'parse_error', inDoubt: true } });
        expect(small.isOpen).toBeFalse();
      });

      it('commandStream$ errors with parse_error, in doubt, when a reply frame is over maxFrameBytes; the handle is then dead', async () => {
        h.script({ shape: 'commandStream', request: REQ, frames: [asMsgFrame(BIG), LAST], then: 'idle' });
        expect(await outcome(h.transport.commandStream$(small, REQ, DEADLINE_MS))).toEqual({ values: [], completed: false, error: { code: 'parse_error', inDoubt: true } });
        expect(small.isOpen).toBeFalse();
      });

      it('command$ takes a reply frame of exactly maxFrameBytes', async () => {
        const fits = asMsgRecord({ generation: 1, ops: [{ op: 1, name: 'b', value: '' }] });
        const exact = await h.connect({ connectTimeoutMs: 1000, maxFrameBytes: fits.length });
        h.script({ shape: 'command', request: REQ, frames: [asMsgFrame(fits)], then: 'idle' });
        expect(await outcome(h.transport.command$(exact, REQ, DEADLINE_MS))).toEqual({ values: [fits], completed: true });
        h.transport.close(exact);
      });
    });

    // design §2: programmer errors throw at call time (before any I/O), of the same class and naming
    // the same option on every transport, so a test on the fake fails where production would
    describe('call-time checks', () => {
      const throwsAt = (call: () => unknown, type: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, message: RegExp): void => {
        expect(call).toThrowError(type as ErrorConstructor, message);
      };
      const t = (): NodeTransport => h.transport;
      const bad = (o: object): never => o as never;

      it('command$ refuses a request whose header is not version 2 (Buffer.alloc(8))', () => {
        throwsAt(() => t().command$(conn, Buffer.alloc(8), DEADLINE_MS), RangeError, /request header version must be 2/);
      });
      it('command$ refuses a request whose header length does not match the bytes that follow', () => {
        throwsAt(() => t().command$(conn, Buffer.concat([REQ, Buffer.alloc(1)]), DEADLINE_MS), RangeError, /request header declares/);
      });
      it('command$ refuses a request shorter than a proto header', () => {
        throwsAt(() => t().command$(conn, Buffer.from([2, 3, 0]), DEADLINE_MS), RangeError, /request must be a whole frame/);
      });
      it('command$ refuses an empty request array', () => {
        throwsAt(() => t().command$(conn, [], DEADLINE_MS), TypeError, /request must be a Uint8Array or a non-empty array/);
      });
      it('command$ refuses a deadlineMs that is not a number with a TypeError', () => {
        throwsAt(() => t().command$(conn, REQ, '100' as never), TypeError, /deadlineMs must be a number/);
      });
      it('command$ refuses an unknown messageType', () => {
        throwsAt(() => t().command$(conn, REQ, DEADLINE_MS, bad({ messageType: 'info' })), TypeError, /messageType must be/);
      });
      it('command$ refuses a useCompression that is not a boolean', () => {
        throwsAt(() => t().command$(conn, REQ, DEADLINE_MS, bad({ useCompression: 1 })), TypeError, /useCompression must be a boolean/);
      });
      it('command$ refuses an attempt that is not a number, or not a non-negative integer', () => {
        throwsAt(() => t().command$(conn, REQ, DEADLINE_MS, bad({ attempt: '1' })), TypeError, /attempt must be a number/);
        throwsAt(() => t().command$(conn, REQ, DEADLINE_MS, { attempt: -1 }), RangeError, /attempt must be a non-negative integer/);
      });
      it('command$ refuses options that are not an object', () => {
        throwsAt(() => t().command$(conn, REQ, DEADLINE_MS, null as never), TypeError, /options must be an object/);
      });
      it('commandStream$ applies the same request and option checks', () => {
        throwsAt(() => t().commandStream$(conn, Buffer.alloc(8), DEADLINE_MS), RangeError, /request header version must be 2/);
        throwsAt(() => t().commandStream$(conn, REQ, DEADLINE_MS, bad({ messageType: 'info' })), TypeError, /messageType must be/);
      });
      it('stream$ refuses messageType admin (it reads as_msg frames only)', () => {
        throwsAt(() => t().stream$(conn, REQ, DEADLINE_MS, bad({ messageType: 'admin' })), TypeError, /stream\$ reads as_msg frames only/);
      });
      it('stream$ refuses an invalid request and a lendFrames that is not a boolean', () => {
        throwsAt(() => t().stream$(conn, Buffer.alloc(8), DEADLINE_MS), RangeError, /request header version must be 2/);
        throwsAt(() => t().stream$(conn, REQ, DEADLINE_MS, bad({ lendFrames: 'yes' })), TypeError, /lendFrames must be a boolean/);
      });
      it('login$ refuses options that are not an object', () => {
        throwsAt(() => t().login$!(conn, null as never), TypeError, /login options must be an object/);
      });
      it('login$ refuses options with nothing to send', () => {
        throwsAt(() => t().login$!(conn, {}), TypeError, /login needs user/);
      });
      it("login$ refuses authMode 'pki' on a connection without tls", () => {
        throwsAt(() => t().login$!(conn, { authMode: 'pki' }), TypeError, /authMode 'pki' requires the tls option/);
      });
      it("login$ refuses authMode 'external' with a password on a connection without tls", () => {
        throwsAt(() => t().login$!(conn, { user: 'u', password: 'p', authMode: 'external' }), TypeError, /authMode 'external' sends the clear password/);
      });
      it('login$ refuses a loginTimeoutMs that is not a number with a TypeError', () => {
        throwsAt(() => t().login$!(conn, bad({ user: 'u', password: 'p', loginTimeoutMs: '5' })), TypeError, /loginTimeoutMs must be a number/);
      });
      it('connect$ refuses an empty host', () => {
        throwsAt(() => t().connect$('', 3000), TypeError, /host must be a non-empty string/);
      });
      it('connect$ refuses a port that is not an integer in 1..65535', () => {
        throwsAt(() => t().connect$('127.0.0.1', 70000), RangeError, /port must be in 1\.\.65535/);
        throwsAt(() => t().connect$('127.0.0.1', 3000.5), TypeError, /port must be an integer/);
      });
      it('connect$ refuses options that are not an object', () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, 'fast' as never), TypeError, /connect options must be an object/);
      });
      it('connect$ refuses a maxFrameBytes that is not an integer in 1..2^48-1', () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, { maxFrameBytes: 0 }), RangeError, /maxFrameBytes must be in/);
        throwsAt(() => t().connect$('127.0.0.1', 3000, { maxFrameBytes: 1.5 }), TypeError, /maxFrameBytes must be an integer/);
      });
      it('connect$ refuses a nodeName that is not a string', () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, bad({ nodeName: 7 })), TypeError, /nodeName must be a string/);
      });
      it('connect$ refuses boolean options (tcpNoDelay, pipeline) that are not booleans', () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, bad({ tcpNoDelay: 'yes' })), TypeError, /tcpNoDelay must be a boolean/);
        throwsAt(() => t().connect$('127.0.0.1', 3000, bad({ pipeline: 1 })), TypeError, /pipeline must be a boolean/);
      });
      it('connect$ refuses a connectTimeoutMs that is not a number with a TypeError', () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, bad({ connectTimeoutMs: '1000' })), TypeError, /connectTimeoutMs must be a number/);
      });
      it('connect$ refuses a tls option that is not an object', () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, bad({ tls: 'yes' })), TypeError, /tls must be an object/);
      });
      it("connect$ refuses authMode 'pki' without the tls option", () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, { authMode: 'pki' }), TypeError, /authMode 'pki' requires the tls option/);
      });
      it("connect$ refuses authMode 'external' with a password without the tls option", () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, { user: 'u', password: 'p', authMode: 'external' }), TypeError, /authMode 'external' sends the clear password/);
      });
      it('connect$ refuses a user without a password or sessionToken', () => {
        throwsAt(() => t().connect$('127.0.0.1', 3000, { user: 'u' }), TypeError, /needs a password or a sessionToken/);
      });
      it("connect$ accepts valid tls, pki and external options at call time (the call builds nothing it can't)", () => {
        expect(() => t().connect$('127.0.0.1', 3000, { tls: { servername: 'node1' }, authMode: 'pki' })).not.toThrow();
        expect(() => t().connect$('127.0.0.1', 3000, { tls: {}, user: 'u', password: 'p', authMode: 'external' })).not.toThrow();
      });
    });

    it('unsubscribing from stream$ before the terminal frame releases the node side and kills the handle', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1], then: 'stall' });
      const first = await new Promise<Buffer>((resolve) => {
        const subscription = h.transport.stream$(conn, REQ, 1000).subscribe((frame) => {
          resolve(frame);
          queueMicrotask(() => subscription.unsubscribe());
        });
      });
      expect(first).toEqual(F1);
      await expectAsync(withinMs(h.released(), 500)).toBeResolved();
      expect(conn.isOpen).toBeFalse();
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}
