import { lastValueFrom, toArray } from 'rxjs';
import { decodeRecords } from '../../lib/protocol/record';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { sleep, type Peer } from '../helpers/loopback-server';
import { smallRequest, TransportHarness } from '../helpers/transport-harness';

/** A frame of `records` records, each with a 40 KiB blob of a pattern seeded by frame and record. */
function largeFrame(seed: number, records = 3): Buffer {
  return asMsgFrame(
    Array.from({ length: records }, (_, r) => {
      const value = Buffer.allocUnsafe(40 * 1024 + seed * 100);
      for (let i = 0; i < value.length; i++) value[i] = (i * 7 + seed * 31 + r) & 0xff;
      return asMsgRecord({ generation: seed * 10 + r, ops: [{ op: 1, name: 'b', value }] });
    }),
  );
}

/** Writes `bytes` in pieces small enough that every large frame spans many reads. */
const trickle = (bytes: Buffer) => async (peer: Peer) => {
  if ((await peer.readFrame()) === undefined) return;
  for (let at = 0; at < bytes.length; at += 16 * 1024) {
    peer.write(bytes.subarray(at, at + 16 * 1024));
    await sleep(0);
  }
};

describe('TcpTransport stream$ lendFrames', () => {
  const h = new TransportHarness().install();
  const frames = [largeFrame(1), largeFrame(2), largeFrame(3), largeFrame(4), asMsgFrame(lastRecord())];

  it('reads a later frame into the memory of a lent one, once the subscriber took it', async () => {
    h.script = trickle(Buffer.concat(frames));
    const conn = await h.connect();
    const memory: ArrayBufferLike[] = [];
    await new Promise<void>((resolve, reject) =>
      h.transport.stream$(conn, smallRequest(), 2000, { lendFrames: true }).subscribe({
        next: (frame) => {
          if (frame.length > 1024) memory.push(frame.buffer);
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(memory.length).toBe(4);
    // the first frame's storage is exact; from the second on, storage with room to spare is reused
    expect(new Set(memory).size).toBeLessThanOrEqual(2);
  });

  it('gives every frame memory of its own when frames are not lent', async () => {
    h.script = trickle(Buffer.concat(frames));
    const conn = await h.connect();
    const kept = await lastValueFrom(h.transport.stream$(conn, smallRequest(), 2000).pipe(toArray()));
    const large = kept.filter((f) => f.length > 1024);
    expect(new Set(large.map((f) => f.buffer)).size).toBe(large.length);
    expect(large.map((f) => f.toString('hex'))).toEqual(frames.slice(0, 4).map((f) => f.toString('hex')));
  });

  it('delivers each lent frame whole: records decoded with owned copies match what was sent, after every later frame', async () => {
    h.script = trickle(Buffer.concat(frames));
    const conn = await h.connect();
    const decoded: ReturnType<typeof decodeRecords>[] = [];
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) =>
      h.transport.stream$(conn, smallRequest(), 2000, { lendFrames: true }).subscribe({
        next: (frame) => {
          seen.push(frame.toString('hex'));
          decoded.push(decodeRecords(frame.subarray(8), true));
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(seen).toEqual(frames.map((f) => f.toString('hex')));
    const expected = frames.map((f) => decodeRecords(Buffer.from(f).subarray(8)));
    expect(decoded.map((records) => records.map((r) => (r.bins['b'] as Buffer | undefined)?.toString('hex')))).toEqual(
      expected.map((records) => records.map((r) => (r.bins['b'] as Buffer | undefined)?.toString('hex'))),
    );
  });

  it('refuses a lendFrames that is not a boolean with a TypeError naming it', async () => {
    h.script = async () => undefined;
    const conn = await h.connect();
    expect(() => h.transport.stream$(conn, smallRequest(), 1000, { lendFrames: 'yes' as unknown as boolean })).toThrowError(TypeError, /lendFrames must be a boolean/);
  });

  it('never lends the frames of frames(): the loop may hold them', async () => {
    h.script = trickle(Buffer.concat(frames));
    const conn = await h.connect();
    const kept: Buffer[] = [];
    for await (const frame of h.transport.frames(conn, smallRequest(), 2000, { lendFrames: true })) kept.push(frame);
    const large = kept.filter((f) => f.length > 1024);
    expect(new Set(large.map((f) => f.buffer)).size).toBe(large.length);
    expect(large.map((f) => f.toString('hex'))).toEqual(frames.slice(0, 4).map((f) => f.toString('hex')));
  });
});
