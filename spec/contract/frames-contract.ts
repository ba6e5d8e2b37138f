// The frames() contract (NodeTransport.frames, optional in the interface): stream$ as an AsyncIterable
// with backpressure. Written once and run against every transport that offers it, through the
// same Harness as the main contract.

import type { Connection, NodeTransport } from '../../lib/node-transport';
import { Info1 } from '../../lib/protocol/constants';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import type { Harness } from './contract';

const REQ = asMsgFrame(asMsgRecord({ info1: Info1.READ, transactionTtl: 1000, fields: [{ type: 0, data: 'test' }] }));
const F1 = asMsgFrame([asMsgRecord({ generation: 1 }), asMsgRecord({ generation: 2 })]);
const F2 = asMsgFrame(asMsgRecord({ generation: 3 }));
const LAST = asMsgFrame(lastRecord());

type Frames = Required<Pick<NodeTransport, 'frames'>>['frames'];

interface Drained {
  readonly frames: Buffer[];
  readonly error?: { code: unknown; inDoubt: unknown; isAerospikeError: boolean };
}

/** Iterates to the end (or the first error), pausing `sleepMs` after each frame. */
async function drain(iterable: AsyncIterable<Buffer>, sleepMs = 0): Promise<Drained> {
  const frames: Buffer[] = [];
  try {
    for await (const frame of iterable) {
      frames.push(frame);
      if (sleepMs > 0) await delay(sleepMs);
    }
    return { frames };
  } catch (err) {
    const e = err as { code?: unknown; inDoubt?: unknown; name?: unknown };
    return { frames, error: { code: e.code, inDoubt: e.inDoubt, isAerospikeError: e.name === 'AerospikeError' } };
  }
}

export function describeFramesContract(name: string, makeHarness: () => Harness): void {
  describe(`frames() contract: ${name}`, () => {
    let h: Harness;
    let conn: Connection;
    let frames: Frames;

    beforeEach(async () => {
      h = makeHarness();
      await h.setup();
      conn = await h.connect({ connectTimeoutMs: 1000 });
      expect(h.transport.frames).withContext('frames() is implemented').toBeDefined();
      frames = h.transport.frames!.bind(h.transport);
    });

    afterEach(async () => {
      h.transport.close(conn);
      await h.teardown();
    });

    it('yields each whole frame, the terminal frame included, then ends; the connection stays reusable', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1, F2, LAST], then: 'idle' });
      expect(await drain(frames(conn, REQ, 200))).toEqual({ frames: [F1, F2, LAST] });
      expect(conn.isOpen).toBeTrue();
      expect(h.requests()).toEqual([REQ]);
    });

    it('sends nothing until iteration starts', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [LAST], then: 'idle' });
      const iterable = frames(conn, REQ, 200);
      await delay(30);
      expect(h.requests()).toEqual([]);
      expect(await drain(iterable)).toEqual({ frames: [LAST] });
    });

    it('does not time out while reading is paused for a consumer slower than the deadline', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1, F2, LAST], then: 'idle' });
      expect(await drain(frames(conn, REQ, 50, { highWaterFrames: 1 }), 80)).toEqual({ frames: [F1, F2, LAST] });
      expect(conn.isOpen).toBeTrue();
    });

    it('throws a timeout AerospikeError, in doubt, after the frames that came, when the next frame stalls', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1], then: 'stall' });
      expect(await drain(frames(conn, REQ, 50))).toEqual({ frames: [F1], error: { code: 'timeout', inDoubt: true, isAerospikeError: true } });
      expect(conn.isOpen).toBeFalse();
    });

    it('throws a network_error AerospikeError when the node closes before the terminal frame', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1], then: 'close' });
      expect(await drain(frames(conn, REQ, 200))).toEqual({ frames: [F1], error: { code: 'network_error', inDoubt: true, isAerospikeError: true } });
    });

    it('breaking out of the loop releases the node side and kills the handle, like unsubscribing', async () => {
      h.script({ shape: 'stream', request: REQ, frames: [F1], then: 'stall' });
      for await (const frame of frames(conn, REQ, 1000)) {
        expect(frame).toEqual(F1);
        break;
      }
      await expectAsync(withinMs(h.released(), 500)).toBeResolved();
      expect(conn.isOpen).toBeFalse();
    });

    it('refuses a bad deadline or high-water mark at call time, naming it', () => {
      expect(() => frames(conn, REQ, 0)).toThrowError(RangeError, /deadlineMs/);
      expect(() => frames(conn, REQ, 100, { highWaterFrames: 0 })).toThrowError(RangeError, /highWaterFrames/);
      expect(() => frames(conn, REQ, 100, { highWaterBytes: '1' as unknown as number })).toThrowError(TypeError, /highWaterBytes/);
      expect(h.requests()).toEqual([]);
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
