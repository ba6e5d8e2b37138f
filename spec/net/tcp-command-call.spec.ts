// What commandCall adds to command$'s behaviour (tcp-command.spec runs every command$ behaviour through it
// too): the outcome goes to a ReplySink exactly once, a refused start fails before the call returns,
// cancel() cuts the read short like an early unsubscribe, and telemetry spans are those of command$.
import { tracingChannel } from 'node:diagnostics_channel';
import type { Connection, ReplySink } from '../../lib/node-transport';
import { CHANNEL_NAMES } from '../../lib/telemetry';
import { asMsgFrame, asMsgRecord } from '../../lib/testing/frame-builders';
import { sleep } from '../helpers/loopback-server';
import { closedWithin, expectAerospikeError, outcome, replies, smallRequest, thrownBy, TransportHarness } from '../helpers/transport-harness';

const record = asMsgRecord({ resultCode: 0, generation: 3, ops: [{ op: 1, name: 'b', value: 1 }] });
const reply = asMsgFrame(record);

/** A sink that records what it hears; `settled` resolves at its first outcome. */
function recordingSink(): ReplySink & { events: Array<['reply', Buffer] | ['fail', unknown]>; settled: Promise<void> } {
  let settle!: () => void;
  const events: Array<['reply', Buffer] | ['fail', unknown]> = [];
  return {
    events,
    settled: new Promise<void>((resolve) => (settle = resolve)),
    reply: (body) => {
      events.push(['reply', body]);
      settle();
    },
    fail: (error) => {
      events.push(['fail', error]);
      settle();
    },
  };
}

describe('TcpTransport.commandCall', () => {
  const h = new TransportHarness().install();

  it('hands the reply body to sink.reply once, and the connection takes the next call', async () => {
    h.script = replies(reply, reply);
    const conn = await h.connect();
    for (let i = 0; i < 2; i++) {
      const sink = recordingSink();
      h.transport.commandCall(conn, smallRequest(), 500, undefined, sink);
      await sink.settled;
      await sleep(10);
      expect(sink.events).toEqual([['reply', record]]);
    }
    expect(conn.isOpen).toBeTrue();
  });

  it('fails a call on a busy connection with connection_busy before it returns, leaving the first call running', async () => {
    h.script = async (peer) => {
      await peer.readFrame();
      await sleep(30);
      peer.write(reply);
    };
    const conn = await h.connect();
    const first = recordingSink();
    const second = recordingSink();
    h.transport.commandCall(conn, smallRequest(), 500, undefined, first);
    h.transport.commandCall(conn, smallRequest(), 500, undefined, second);
    expect(second.events.length).toBe(1);
    expectAerospikeError(second.events[0]![1], 'connection_busy', 'already has an operation in flight');
    await first.settled;
    expect(first.events).toEqual([['reply', record]]);
  });

  it('fails a call on a closed connection with network_error before it returns, not in doubt', async () => {
    const conn = await h.connect();
    h.transport.close(conn);
    const sink = recordingSink();
    h.transport.commandCall(conn, smallRequest(), 500, undefined, sink);
    expect(sink.events.length).toBe(1);
    const error = expectAerospikeError(sink.events[0]![1], 'network_error', 'is closed');
    expect(error.inDoubt).toBeFalse();
  });

  it('cancel() before the reply closes the socket the server sees, and the sink hears nothing', async () => {
    h.script = async (peer) => {
      await peer.readFrame();
      await peer.readFrame();
    };
    const conn = await h.connect();
    const sink = recordingSink();
    const call = h.transport.commandCall(conn, smallRequest(), 1000, undefined, sink);
    await sleep(20);
    call.cancel();
    call.cancel();
    expect(await closedWithin(await h.peer())).toBeTrue();
    await sleep(20);
    expect(sink.events).toEqual([]);
    expect(conn.isOpen).toBeFalse();
  });

  it('cancel() of a pipelined call leaves its sink hearing nothing, even when the connection fails later', async () => {
    h.script = async (peer) => {
      await peer.readFrame();
      await peer.readFrame();
    };
    const conn = await h.connect({ pipeline: true });
    const sink = recordingSink();
    const call = h.transport.commandCall(conn, smallRequest(), 1000, undefined, sink);
    call.cancel();
    expect(conn.isOpen).toBeTrue();
    h.transport.close(conn);
    expect(sink.events).toEqual([]);
  });

  it('cancel() after the reply changes nothing: the connection stays open for the next call', async () => {
    h.script = replies(reply, reply);
    const conn = await h.connect();
    const sink = recordingSink();
    const call = h.transport.commandCall(conn, smallRequest(), 500, undefined, sink);
    await sink.settled;
    call.cancel();
    expect(conn.isOpen).toBeTrue();
    expect((await outcome(h.transport.command$(conn, smallRequest(), 500))).values).toEqual([record]);
  });

  it('fails a call begun from sink.reply with network_error instead of handing it a frame that trailed the reply', async () => {
    const stray = asMsgFrame(asMsgRecord({ generation: 99 }));
    h.script = async (peer) => {
      await peer.readFrame();
      peer.write(Buffer.concat([reply, stray]));
      if ((await peer.readFrame()) !== undefined) peer.write(reply);
    };
    const conn = await h.connect();
    const second = recordingSink();
    h.transport.commandCall(conn, smallRequest(), 1000, undefined, {
      reply: () => void h.transport.commandCall(conn, smallRequest(), 1000, undefined, second),
      fail: (error) => fail(error),
    });
    await second.settled;
    expect(second.events.length).toBe(1);
    expectAerospikeError(second.events[0]![1], 'network_error', 'beyond the end of the reply');
    expect(conn.isOpen).toBeFalse();
  });

  it('fails with timeout at the read deadline, in doubt, and destroys the socket', async () => {
    const conn = await h.connect();
    const sink = recordingSink();
    h.transport.commandCall(conn, smallRequest(), 60, undefined, sink);
    await sink.settled;
    const error = expectAerospikeError(sink.events[0]![1], 'timeout', 'transport timed out');
    expect(error.inDoubt).toBeTrue();
    expect(conn.isOpen).toBeFalse();
    expect(sink.events.length).toBe(1);
  });

  it('lends a borrowing sink a view of its read buffer, and gives any other sink memory of its own', async () => {
    const other = asMsgFrame(asMsgRecord({ resultCode: 0, generation: 4, ops: [{ op: 1, name: 'b', value: 2 }] }));
    h.script = replies(reply, other, reply, other);
    const conn = await h.connect();
    const seen: Array<{ buffer: ArrayBufferLike; copy: Buffer }> = [];
    const call = (borrowsBody: boolean) =>
      new Promise<void>((resolve, reject) => {
        h.transport.commandCall(conn, smallRequest(), 500, undefined, {
          borrowsBody,
          reply: (body) => {
            seen.push({ buffer: body.buffer, copy: Buffer.from(body) });
            resolve();
          },
          fail: reject,
        });
      });
    await call(true);
    await call(true);
    const kept: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      await new Promise<void>((resolve, reject) => h.transport.commandCall(conn, smallRequest(), 500, undefined, { reply: (body) => (kept.push(body), resolve()), fail: reject }));
    }
    expect(seen.map((s) => s.copy)).toEqual([record, other.subarray(8)]);
    expect(seen[0]!.buffer).toBe(seen[1]!.buffer);
    expect(kept).toEqual([record, other.subarray(8)]);
    expect(kept[0]!.buffer).not.toBe(seen[0]!.buffer);
    expect(kept[0]!.buffer).not.toBe(kept[1]!.buffer);
  });

  it('throws at call time what command$ throws, and a TypeError for a sink without reply() and fail()', async () => {
    const conn = await h.connect();
    const noop = { reply: () => undefined, fail: () => undefined };
    expect(thrownBy(() => h.transport.commandCall(conn, smallRequest(), 0, undefined, noop))).toEqual(thrownBy(() => h.transport.command$(conn, smallRequest(), 0)));
    expect(thrownBy(() => h.transport.commandCall({} as Connection, smallRequest(), 100, undefined, noop))).toEqual(thrownBy(() => h.transport.command$({} as Connection, smallRequest(), 100)));
    const bad = thrownBy(() => h.transport.commandCall(conn, smallRequest(), 100, undefined, { reply: () => undefined } as unknown as ReplySink));
    expect(bad).toEqual(new TypeError('sink must be an object with reply() and fail(), got an object'));
    expect(conn.isOpen).toBeTrue();
  });

  it('opens the send and recv spans command$ opens, with the attempt', async () => {
    h.script = replies(reply);
    const conn = await h.connect({ nodeName: 'A1' });
    const seen: string[] = [];
    const handlers = { start: () => undefined, end: () => undefined, asyncStart: () => undefined, error: () => undefined, asyncEnd: (ctx: unknown) => seen.push(`${(ctx as { attempt: number }).attempt}`) };
    const send = tracingChannel(CHANNEL_NAMES.commandSend);
    const recv = tracingChannel(CHANNEL_NAMES.commandRecv);
    send.subscribe(handlers as never);
    recv.subscribe(handlers as never);
    try {
      const sink = recordingSink();
      h.transport.commandCall(conn, smallRequest(), 500, { attempt: 3 }, sink);
      await sink.settled;
      expect(sink.events).toEqual([['reply', record]]);
    } finally {
      send.unsubscribe(handlers as never);
      recv.unsubscribe(handlers as never);
    }
    expect(seen).toEqual(['3', '3']);
  });
});
