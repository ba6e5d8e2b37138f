import { connect as netConnect } from 'node:net';
import { firstValueFrom, lastValueFrom, merge, toArray } from 'rxjs';
import type { ConnectConfig } from '../../lib/net/connect-config';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { sleep, type Peer } from '../helpers/loopback-server';
import { outcome, smallRequest, TransportHarness } from '../helpers/transport-harness';

/** A reply record carrying `n` bytes of a pattern seeded by `seed`, so every reply differs. */
function patterned(n: number, seed: number): Buffer {
  const value = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) value[i] = (i * 13 + seed) & 0xff;
  return asMsgRecord({ generation: seed, ops: [{ op: 1, name: 'b', value }] });
}

const copies = (buffers: readonly Buffer[]): Buffer[] => buffers.map((b) => Buffer.from(b));

describe('TcpTransport read buffers (onread)', () => {
  const h = new TransportHarness().install();

  /** Script: answers each request with the next of `replies`, written in `pieces` chunks with pauses between. */
  const answers = (replies: readonly Buffer[], pieces = 3) => async (peer: Peer) => {
    for (const reply of replies) {
      if ((await peer.readFrame()) === undefined) return;
      const step = Math.ceil(reply.length / pieces);
      for (let at = 0; at < reply.length; at += step) {
        peer.write(reply.subarray(at, at + step));
        await sleep(1);
      }
    }
  };

  it('keeps every command$ reply byte-identical after later replies are read on the same socket', async () => {
    const replies = Array.from({ length: 20 }, (_, i) => asMsgFrame(patterned(30 + i * 7, i)));
    // every other reply in one read (a view of the read buffer unless copied), the rest split
    h.script = async (peer) => {
      for (let i = 0; i < replies.length; i++) await answers([replies[i]!], i % 2 === 0 ? 1 : 3)(peer);
    };
    const conn = await h.connect();
    const bodies: Buffer[] = [];
    const snapshots: Buffer[] = [];
    for (let i = 0; i < replies.length; i++) {
      const body = await firstValueFrom(h.transport.command$(conn, smallRequest(i), 1000));
      bodies.push(body);
      snapshots.push(Buffer.from(body));
    }
    expect(bodies.map((b) => b.toString('hex'))).toEqual(snapshots.map((b) => b.toString('hex')));
    expect(bodies.map((b) => b.toString('hex'))).toEqual(replies.map((r) => r.subarray(8).toString('hex')));
  });

  it('keeps pipelined replies that arrive in one read byte-identical after later reads', async () => {
    const replies = Array.from({ length: 8 }, (_, i) => asMsgFrame(patterned(40, i)));
    h.script = async (peer) => {
      for (let i = 0; i < replies.length; i++) if ((await peer.readFrame()) === undefined) return;
      peer.write(Buffer.concat(replies.slice(0, 4)));
      await sleep(5);
      peer.write(Buffer.concat(replies.slice(4)));
    };
    const conn = await h.connect({ pipeline: true });
    const bodies = await lastValueFrom(merge(...replies.map((_, i) => h.transport.command$(conn, smallRequest(i), 1000))).pipe(toArray()));
    expect(bodies.map((b) => b.toString('hex')).sort()).toEqual(replies.map((r) => r.subarray(8).toString('hex')).sort());
  });

  it('keeps stream$ frames held by the consumer byte-identical while later frames are read', async () => {
    const frames = [...Array.from({ length: 30 }, (_, i) => asMsgFrame([patterned(100 + i * 50, i), patterned(20, i + 100)])), asMsgFrame(lastRecord())];
    h.script = answers([Buffer.concat(frames)], 17);
    const conn = await h.connect();
    const kept: Buffer[] = [];
    const snapshots: Buffer[] = [];
    await new Promise<void>((resolve, reject) =>
      h.transport.stream$(conn, smallRequest(), 1000).subscribe({
        next: (frame) => {
          kept.push(frame);
          snapshots.push(Buffer.from(frame));
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(kept.length).toBe(frames.length);
    expect(kept.every((f, i) => f.equals(snapshots[i]!) && f.equals(frames[i]!))).toBeTrue();
  });

  it('reads a frame of several MiB, written in pieces, into one intact stream$ frame', async () => {
    const big = asMsgFrame([patterned(3 * 1024 * 1024 + 11, 7), patterned(70_000, 8)]);
    const frames = [asMsgFrame(patterned(10, 1)), big, asMsgFrame(patterned(90_000, 9)), asMsgFrame(lastRecord())];
    h.script = answers([Buffer.concat(frames)], 40);
    const conn = await h.connect();
    const result = await outcome(h.transport.stream$(conn, smallRequest(), 2000));
    expect(result.completed).toBeTrue();
    expect(result.values.length).toBe(4);
    expect(result.values.every((f, i) => f.equals(frames[i]!))).toBeTrue();
    expect(conn.isOpen).toBeTrue();
  });

  it('keeps a commandStream$ reply byte-identical after later reads on the same socket', async () => {
    const first = [asMsgFrame([patterned(500, 1), patterned(3000, 2)]), asMsgFrame([patterned(70_000, 3), lastRecord()])];
    const second = [asMsgFrame([patterned(800, 4), lastRecord()])];
    h.script = answers([Buffer.concat(first), Buffer.concat(second)], 9);
    const conn = await h.connect();
    const reply = await firstValueFrom(h.transport.commandStream$(conn, smallRequest(), 1000));
    const snapshot = Buffer.from(reply);
    const later = await firstValueFrom(h.transport.commandStream$(conn, smallRequest(), 1000));
    expect(reply.equals(snapshot)).toBeTrue();
    expect(reply.equals(Buffer.concat(first.map((f) => f.subarray(8))))).toBeTrue();
    expect(later.equals(second[0]!.subarray(8))).toBeTrue();
  });

  it("reads a socket created without onread through 'data' events", async () => {
    const replies = Array.from({ length: 5 }, (_, i) => asMsgFrame(patterned(50, i)));
    h.script = answers(replies);
    let made = 0;
    h.useTransport({
      socketFactory: (config: ConnectConfig) => {
        made++;
        return netConnect({ host: config.host, port: config.port });
      },
    });
    const conn = await h.connect();
    const bodies: Buffer[] = [];
    for (let i = 0; i < replies.length; i++) bodies.push(await firstValueFrom(h.transport.command$(conn, smallRequest(i), 1000)));
    expect(made).toBe(1);
    expect(copies(bodies).map((b) => b.toString('hex'))).toEqual(replies.map((r) => r.subarray(8).toString('hex')));
  });
});
