// Write coalescing (lib/net/write-coalescer.ts) over real loopback sockets: which requests wait for
// the turn's end, that they then go out in order, that a cancelled one never does, and that the
// process-wide count of connections awaiting replies comes back whatever way their calls ended.

import { firstValueFrom } from 'rxjs';
import { TcpTransport } from '../../lib/net/tcp-transport';
import { COALESCE_MIN_OTHERS, coalescerState, MAX_HELD, resetCoalescerBackoff } from '../../lib/net/write-coalescer';
import type { Connection } from '../../lib/node-transport';
import { decodeAsMsgHeader } from '../../lib/protocol/as-msg';
import { asMsgFrame, asMsgRecord } from '../../lib/testing/frame-builders';
import { expectAerospikeError, outcome, TransportHarness, viaCommandCall } from '../helpers/transport-harness';
import { sleep, type Peer } from '../helpers/loopback-server';

/** A request tagged by its generation field; the script answers with the same tag. */
const tagged = (n: number): Buffer => asMsgFrame(asMsgRecord({ generation: n }));
const tagOf = (frame: Buffer): number => decodeAsMsgHeader(frame.subarray(8)).generation;
const replyTag = (body: Buffer): number => decodeAsMsgHeader(body).generation;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('TcpTransport write coalescing', () => {
  const harness = new TransportHarness().install();
  /** Requests the server has read, by tag, in arrival order; each waits for answer(tag). */
  let arrived: number[];
  let answers: Map<number, () => void>;
  let baseline: number;

  const answer = (tag: number): void => {
    const release = answers.get(tag);
    if (release === undefined) throw new Error(`request ${tag} has not arrived`);
    answers.delete(tag);
    release();
  };

  beforeEach(() => {
    arrived = [];
    answers = new Map();
    baseline = coalescerState().awaiting;
    resetCoalescerBackoff();
    harness.script = async (peer: Peer) => {
      for (;;) {
        const frame = await peer.readFrame();
        if (frame === undefined) return;
        const tag = tagOf(frame);
        arrived.push(tag);
        await new Promise<void>((resolve) => answers.set(tag, resolve));
        peer.write(tagged(tag));
      }
    };
  });

  afterEach(async () => {
    for (const release of answers.values()) release();
    // every call of the spec has ended: no connection of it is still counted
    await until(() => coalescerState().awaiting === baseline, 'the awaiting count to come back');
  });

  async function connections(n: number): Promise<Connection[]> {
    return Promise.all(Array.from({ length: n }, () => harness.connect()));
  }

  /** Calls on `conns` (tags 100, 101, …) from the test body, not a read callback: all written at once. */
  async function awaitingOn(conns: Connection[]): Promise<Array<Promise<number>>> {
    const before = arrived.length;
    const replies = conns.map((c, i) => firstValueFrom(harness.transport.command$(c, tagged(100 + i), 2000)).then(replyTag));
    await until(() => arrived.length === before + conns.length, `${conns.length} requests at the server`);
    return replies;
  }

  /**
   * A call with `tag` on `conn` (begun from the test body); its reply, once answered, runs `inCallback`
   * inside the socket's read callback. Resolves with what inCallback returned.
   */
  async function onReply<T>(conn: Connection, tag: number, inCallback: () => T): Promise<T> {
    let result: { value: T } | undefined;
    harness.transport.command$(conn, tagged(tag), 2000).subscribe({ complete: () => (result = { value: inCallback() }) });
    await until(() => arrived.includes(tag), `request ${tag} at the server`);
    answer(tag);
    await until(() => result !== undefined, `the reply to ${tag}`);
    return result!.value;
  }

  const call = (conn: Connection, tag: number): Promise<number> => firstValueFrom(harness.transport.command$(conn, tagged(tag), 2000)).then(replyTag);

  it(`holds the requests a reply's callback begins after its first, while ${COALESCE_MIN_OTHERS} or more others await replies, until the turn ends`, async () => {
    const conns = await connections(10);
    const others = await awaitingOn(conns.slice(1, 7));
    const later: Array<Promise<number>> = [];
    const inCallback = await onReply(conns[0]!, 1, () => {
      later.push(call(conns[7]!, 7), call(conns[8]!, 8), call(conns[9]!, 9));
      return coalescerState();
    });
    // the first went out from the callback and opened the turn's window; the two after it wait in it
    expect(inCallback).toEqual(jasmine.objectContaining({ held: 2, windowOpen: true }));
    await until(() => arrived.length === 10, 'every request at the server');
    expect(coalescerState()).toEqual(jasmine.objectContaining({ held: 0, windowOpen: false, backoff: 0 }));
    [7, 8, 9, 100, 101, 102, 103, 104, 105].forEach(answer);
    expect(await Promise.all(later)).toEqual([7, 8, 9]);
    expect(await Promise.all(others)).toEqual([100, 101, 102, 103, 104, 105]);
  });

  it('holds commandCall requests as it holds command$ ones', async () => {
    const conns = await connections(9);
    await awaitingOn(conns.slice(1, 7));
    const later: Array<Promise<number>> = [];
    const inCallback = await onReply(conns[0]!, 1, () => {
      for (const i of [7, 8]) later.push(firstValueFrom(viaCommandCall(harness.transport, conns[i]!, tagged(i), 2000)).then(replyTag));
      return coalescerState();
    });
    expect(inCallback).toEqual(jasmine.objectContaining({ held: 1, windowOpen: true }));
    await until(() => arrived.length === 9, 'every request at the server');
    [7, 8, 100, 101, 102, 103, 104, 105].forEach(answer);
    expect(await Promise.all(later)).toEqual([7, 8]);
  });

  it(`writes at once what a reply's callback begins while fewer than ${COALESCE_MIN_OTHERS} others await replies`, async () => {
    const conns = await connections(5);
    await awaitingOn(conns.slice(1, 3));
    const later: Array<Promise<number>> = [];
    const inCallback = await onReply(conns[0]!, 1, () => {
      // the second of these sees three others awaiting (conns[1], conns[2] and the first)
      later.push(call(conns[3]!, 4), call(conns[4]!, 5));
      return coalescerState();
    });
    expect(inCallback).toEqual(jasmine.objectContaining({ held: 0, windowOpen: false }));
    await until(() => arrived.length === 5, 'every request at the server');
    [4, 5, 100, 101].forEach(answer);
    expect(await Promise.all(later)).toEqual([4, 5]);
  });

  it(`writes the held requests at once when a turn would hold more than ${MAX_HELD}`, async () => {
    const conns = await connections(MAX_HELD + 9);
    await awaitingOn(conns.slice(1, 7));
    const tags = Array.from({ length: MAX_HELD + 2 }, (_, i) => 7 + i);
    const later: Array<Promise<number>> = [];
    const heldThen = await onReply(conns[0]!, 1, () => {
      const counts: number[] = [];
      for (const tag of tags) {
        later.push(call(conns[tag]!, tag));
        counts.push(coalescerState().held);
      }
      return counts;
    });
    // the first opens the window; 16 are held; the 18th writes those 16 and is held in their place
    expect(heldThen).toEqual([0, ...Array.from({ length: MAX_HELD }, (_, i) => i + 1), 1]);
    // the 16 went out before the turn ended
    await until(() => tags.slice(0, MAX_HELD + 1).every((t) => arrived.includes(t)), 'the first 17 requests');
    await until(() => arrived.includes(tags.at(-1)!), 'the last request');
    expect(coalescerState()).toEqual(jasmine.objectContaining({ held: 0, windowOpen: false, backoff: 0 }));
    [...tags, 100, 101, 102, 103, 104, 105].forEach(answer);
    expect(await Promise.all(later)).toEqual(tags);
  });

  it('writes at once what is begun outside a read callback, however many await replies', async () => {
    const conns = await connections(9);
    await awaitingOn(conns.slice(0, 7));
    const later = [call(conns[7]!, 7), call(conns[8]!, 8)];
    expect(coalescerState()).toEqual(jasmine.objectContaining({ held: 0, windowOpen: false }));
    await until(() => arrived.length === 9, 'every request at the server');
    [7, 8, 100, 101, 102, 103, 104, 105, 106].forEach(answer);
    expect(await Promise.all(later)).toEqual([7, 8]);
  });

  it('never writes a held request whose call was cancelled before the turn ended, and closes its socket', async () => {
    const conns = await connections(10);
    await awaitingOn(conns.slice(1, 7));
    let kept: Promise<number> | undefined;
    const heldThen = await onReply(conns[0]!, 1, () => {
      void call(conns[7]!, 7).catch(() => undefined); // written at once
      const cancelled = harness.transport.command$(conns[8]!, tagged(8), 2000).subscribe({ error: () => undefined }); // held
      kept = call(conns[9]!, 9); // held
      const held = coalescerState().held;
      cancelled.unsubscribe();
      return held;
    });
    expect(heldThen).toBe(2);
    expect(conns[8]!.isOpen).toBeFalse();
    await until(() => arrived.includes(9), 'the held request that was kept');
    await nextTurn();
    await sleep(20);
    expect(arrived).not.toContain(8);
    [7, 9, 100, 101, 102, 103, 104, 105].forEach(answer);
    expect(await kept).toBe(9);
  });

  it('never writes a held pipelined request whose call was cancelled before the turn ended, and keeps its connection', async () => {
    const conns = await connections(8);
    const piped = await harness.connect({ pipeline: true });
    await awaitingOn(conns.slice(1, 7));
    let kept: Promise<number> | undefined;
    const heldThen = await onReply(conns[0]!, 1, () => {
      void call(conns[7]!, 7).catch(() => undefined); // written at once
      const cancelled = harness.transport.command$(piped, tagged(8), 2000).subscribe({ error: () => undefined }); // held
      kept = call(conns[0]!, 9); // held
      const held = coalescerState().held;
      cancelled.unsubscribe();
      return held;
    });
    expect(heldThen).toBe(2);
    await until(() => arrived.includes(9), 'the held request that was kept');
    await nextTurn();
    await sleep(20);
    expect(arrived).not.toContain(8);
    expect(piped.isOpen).toBeTrue();
    [7, 9, 100, 101, 102, 103, 104, 105].forEach(answer);
    expect(await kept).toBe(9);
    // the connection owes no reply: the next call gets its own
    const next = call(piped, 10);
    await until(() => arrived.includes(10), 'the next request on the pipelined connection');
    answer(10);
    expect(await next).toBe(10);
  });

  it('writes a held request before a pipelined one begun after it on the same connection', async () => {
    const conns = await connections(8);
    const piped = await harness.connect({ pipeline: true });
    await awaitingOn(conns.slice(1, 7));
    const later: Array<Promise<number>> = [];
    const heldThen = await onReply(conns[0]!, 1, () => {
      later.push(call(conns[7]!, 7)); // opens the window
      later.push(call(piped, 8)); // held
      const held = coalescerState().held;
      later.push(call(piped, 9)); // pipelined behind it: the held one is written first
      return held;
    });
    expect(heldThen).toBe(1);
    // the script reads a connection's requests one at a time, in the order its bytes came
    await until(() => arrived.includes(8), 'the held request');
    answer(8);
    await until(() => arrived.includes(9), 'the pipelined request');
    expect(arrived.indexOf(8)).toBeLessThan(arrived.indexOf(9));
    [7, 9, 100, 101, 102, 103, 104, 105].forEach(answer);
    expect(await Promise.all(later)).toEqual([7, 8, 9]);
  });

  it('passes up the next chance to open a window after a turn that held nothing', async () => {
    const conns = await connections(9);
    await awaitingOn(conns.slice(1, 7));
    const first = await onReply(conns[0]!, 1, () => {
      void call(conns[7]!, 7).catch(() => undefined); // opens a window, and is alone in it
      return coalescerState();
    });
    expect(first).toEqual(jasmine.objectContaining({ windowOpen: true, held: 0 }));
    await nextTurn();
    expect(coalescerState()).toEqual(jasmine.objectContaining({ windowOpen: false, backoff: 1, skip: 1 }));
    const second = await onReply(conns[0]!, 2, () => {
      void call(conns[8]!, 8).catch(() => undefined); // the chance passed up: written at once, no window
      return coalescerState();
    });
    expect(second).toEqual(jasmine.objectContaining({ windowOpen: false, held: 0, skip: 0 }));
    await until(() => arrived.includes(8), 'the request on conns[8]');
    [7, 8, 100, 101, 102, 103, 104, 105].forEach(answer);
  });

  it('doubles the chances it passes up while windows keep holding nothing, up to 16, and forgets them once one holds a request', async () => {
    const conns = await connections(10);
    await awaitingOn(conns.slice(1, 7));
    const expected = [1, 2, 4, 8, 16, 16];
    const seen: number[] = [];
    let tag = 10;
    for (const backoff of expected) {
      // pass up `skip` chances, then open a window that holds nothing
      for (;;) {
        const side = 1000 + tag;
        const opened = await onReply(conns[0]!, tag++, () => {
          void call(conns[7]!, side).catch(() => undefined);
          return coalescerState().windowOpen;
        });
        await until(() => arrived.includes(side), `request ${side}`);
        answer(side);
        await until(() => coalescerState().awaiting === baseline + 6, 'conns[7] to be free');
        await nextTurn();
        if (opened) break;
      }
      seen.push(coalescerState().backoff);
      expect(coalescerState().skip).toBe(backoff);
    }
    expect(seen).toEqual(expected);
    // a window that holds a request resets the backoff
    for (;;) {
      const sides = [2000 + tag, 3000 + tag];
      const opened = await onReply(conns[0]!, tag++, () => {
        void call(conns[7]!, sides[0]!).catch(() => undefined);
        void call(conns[8]!, sides[1]!).catch(() => undefined);
        return coalescerState().windowOpen;
      });
      for (const side of sides) {
        await until(() => arrived.includes(side), `request ${side}`);
        answer(side);
      }
      await until(() => coalescerState().awaiting === baseline + 6, 'conns[7] and conns[8] to be free');
      await nextTurn();
      if (opened) break;
    }
    expect(coalescerState()).toEqual(jasmine.objectContaining({ backoff: 0, skip: 0 }));
    [100, 101, 102, 103, 104, 105].forEach(answer);
  });

  it('counts a connection as awaiting from its request until its call ends by reply, error, cancellation or close', async () => {
    const conns = await connections(4);
    const replied = firstValueFrom(harness.transport.command$(conns[0]!, tagged(1), 2000));
    const timedOut = outcome(harness.transport.command$(conns[1]!, tagged(2), 30));
    const cancelled = harness.transport.command$(conns[2]!, tagged(3), 2000).subscribe({ error: () => undefined });
    const closed = outcome(harness.transport.command$(conns[3]!, tagged(4), 2000));
    expect(coalescerState().awaiting).toBe(baseline + 4);
    await until(() => arrived.length === 4, 'every request at the server');
    answer(1);
    await replied;
    expect(coalescerState().awaiting).toBe(baseline + 3);
    expectAerospikeError((await timedOut).error, 'timeout');
    expect(coalescerState().awaiting).toBe(baseline + 2);
    cancelled.unsubscribe();
    expect(coalescerState().awaiting).toBe(baseline + 1);
    harness.transport.close(conns[3]!);
    expectAerospikeError((await closed).error, 'network_error');
    expect(coalescerState().awaiting).toBe(baseline);
  });

  it('writes every request at once on a transport made with coalesceWrites: false', async () => {
    harness.useTransport({ coalesceWrites: false });
    const conns = await connections(10);
    await awaitingOn(conns.slice(1, 7));
    const later: Array<Promise<number>> = [];
    const inCallback = await onReply(conns[0]!, 1, () => {
      later.push(call(conns[7]!, 7), call(conns[8]!, 8), call(conns[9]!, 9));
      return coalescerState();
    });
    expect(inCallback).toEqual(jasmine.objectContaining({ held: 0, windowOpen: false }));
    await until(() => arrived.length === 10, 'every request at the server');
    [7, 8, 9, 100, 101, 102, 103, 104, 105].forEach(answer);
    expect(await Promise.all(later)).toEqual([7, 8, 9]);
  });

  it('refuses a coalesceWrites that is not a boolean', () => {
    expect(() => new TcpTransport({ coalesceWrites: 'yes' as unknown as boolean })).toThrowError(TypeError, /coalesceWrites must be a boolean, got/);
  });
});
