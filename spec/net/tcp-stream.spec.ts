import { MessageType } from '../../lib/protocol/constants';
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
} from '../../lib/testing/frame-builders';
import { sleep, type Peer } from '../helpers/loopback-server';
import { expectAerospikeError, outcome, smallRequest, TransportHarness } from '../helpers/transport-harness';

const rec = (n: number): Buffer => asMsgRecord({ generation: n, ops: [{ op: 1, name: 'n', value: n }] });
const frame1 = asMsgFrame([rec(1), rec(2)]);
const frame2 = asMsgFrame(rec(3));
const lastFrame = asMsgFrame(lastRecord());
const emptyFrame = encodeFrame(MessageType.AS_MSG, Buffer.alloc(0));

/** A whole compressed frame holding `inner` compressed from bytes `inner` (for fault injection). */
function compressedOf(inner: Buffer): Buffer {
  return compressedFrame(inner);
}

describe('TcpTransport streams', () => {
  const h = new TransportHarness().install();

  /** Script: after the first request, runs `write`. */
  const answer = (write: (peer: Peer) => unknown) => async (peer: Peer) => {
    if ((await peer.readFrame()) === undefined) return;
    await write(peer);
  };

  describe('stream$', () => {
    it('emits each plain frame whole, the terminal frame included, then completes', async () => {
      h.script = answer((peer) => peer.write(frame1, frame2, lastFrame));
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([frame1, frame2, lastFrame]);
      expect(result.completed).toBeTrue();
      expect(conn.isOpen).toBeTrue();
    });

    it('emits frames as they arrive, before the terminal frame is sent', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      h.script = answer(async (peer) => {
        peer.write(frame1);
        await released;
        peer.write(lastFrame);
      });
      const conn = await h.connect();
      const seen: Buffer[] = [];
      const done = new Promise<void>((resolve, reject) =>
        h.transport.stream$(conn, smallRequest(), 500).subscribe({
          next: (f) => {
            seen.push(f);
            if (seen.length === 1) release();
          },
          error: reject,
          complete: resolve,
        }),
      );
      await done;
      expect(seen).toEqual([frame1, lastFrame]);
    });

    it('inflates a compressed frame and emits the whole inner frame', async () => {
      h.script = answer((peer) => peer.write(compressedFrame(frame1), compressedFrame(lastFrame)));
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([frame1, lastFrame]);
      expect(result.completed).toBeTrue();
    });

    it('emits zero-length frames as bare 8-byte frames that are not terminal', async () => {
      h.script = answer((peer) => peer.write(emptyFrame, frame2, emptyFrame, lastFrame));
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([emptyFrame, frame2, emptyFrame, lastFrame]);
    });

    it('ends on a LAST record appended at the end of the final frame (short query)', async () => {
      const shortQuery = asMsgFrame([rec(1), rec(2), lastRecord()]);
      h.script = answer((peer) => peer.write(shortQuery));
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([shortQuery]);
      expect(result.completed).toBeTrue();
      expect(conn.isOpen).toBeTrue();
    });

    it('ends on a LAST record in the middle of a frame, emitting that whole frame', async () => {
      const middle = asMsgFrame([rec(1), lastRecord(), rec(2)]);
      h.script = answer((peer) => peer.write(middle));
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([middle]);
      expect(result.completed).toBeTrue();
    });

    it('errors with timeout (never completes) when the stream stalls before the terminal frame', async () => {
      h.script = answer((peer) => peer.write(frame1));
      const conn = await h.connect();
      const started = Date.now();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 80));
      expect(Date.now() - started).toBeLessThan(500);
      expect(result.values).toEqual([frame1]);
      expect(result.completed).toBeFalse();
      expectAerospikeError(result.error, 'timeout', 'transport timed out');
    });

    it('ends by the deadline when an error record carries no LAST (rc 4 for a reused query id)', async () => {
      h.script = answer((peer) => peer.write(asMsgFrame(asMsgRecord({ resultCode: 4 }))));
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 80));
      expect(result.values.length).toBe(1);
      expectAerospikeError(result.error, 'timeout');
    });

    it('errors with network_error when the server closes before the terminal frame', async () => {
      h.script = answer((peer) => {
        peer.write(frame1);
        peer.end();
      });
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 500));
      expect(result.values).toEqual([frame1]);
      expectAerospikeError(result.error, 'network_error', 'closed');
    });

    it('rejects a frame with proto version 3', async () => {
      const bad = Buffer.from(frame2);
      bad[0] = 3;
      h.script = answer((peer) => peer.write(frame1, bad));
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([frame1]);
      expectAerospikeError(result.error, 'parse_error', 'got 3');
    });

    it('rejects a frame with an unexpected outer proto type, naming expected [3, 4]', async () => {
      h.script = answer((peer) => peer.write(adminFrame(adminRecord())));
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 200));
      const error = expectAerospikeError(result.error, 'parse_error', 'expected [3, 4]');
      expect(error.message).toContain('got 2');
    });

    describe('compressed-frame faults', () => {
      const cases: Array<[string, () => Buffer, string]> = [
        ['is missing its size prefix', () => encodeFrame(MessageType.AS_MSG_COMPRESSED, Buffer.from([1, 2, 3])), 'uncompressed-size prefix'],
        ['wraps a non-AS_MSG inner frame', () => compressedOf(infoReplyFrame({ a: 'b' })), 'got 1'],
        [
          'carries a corrupted zlib stream',
          () => {
            const f = compressedFrame(frame1);
            f.fill(0, 16, 20);
            return f;
          },
          'inflate',
        ],
        [
          'advertises the wrong inner size',
          () => {
            const f = compressedFrame(frame1);
            f.writeUInt32BE(frame1.length + 5, 12);
            return f;
          },
          'size mismatch',
        ],
        ['inflates to an incomplete header', () => compressedOf(Buffer.from([2, 3, 0, 0])), 'incomplete proto header'],
        [
          'inflates to a truncated body',
          () => {
            const inner = Buffer.from(frame1);
            inner.writeUInt32BE(frame1.length, 4); // declares 8 bytes more than follow
            return compressedOf(inner);
          },
          'truncated body',
        ],
        [
          'inflates to a frame with the wrong proto version',
          () => {
            const inner = Buffer.from(frame1);
            inner[0] = 3;
            return compressedOf(inner);
          },
          'got 3',
        ],
      ];
      for (const [what, make, message] of cases) {
        it(`rejects a compressed frame that ${what}`, async () => {
          h.script = answer((peer) => peer.write(frame2, make()));
          const conn = await h.connect();
          const result = await outcome(h.transport.stream$(conn, smallRequest(), 200));
          expect(result.values).toEqual([frame2]);
          expectAerospikeError(result.error, 'parse_error', message);
        });
      }
    });

    it('compresses a large request when useCompression is set', async () => {
      let sentType = -1;
      h.script = async (peer) => {
        const req = await peer.readFrame();
        sentType = req?.[1] ?? -1;
        peer.write(lastFrame);
      };
      const conn = await h.connect();
      const big = asMsgFrame(asMsgRecord({ fields: [{ type: 0, data: 'x'.repeat(500) }] }));
      const result = await outcome(h.transport.stream$(conn, big, 200, { useCompression: true }));
      expect(result.completed).toBeTrue();
      expect(sentType).toBe(MessageType.AS_MSG_COMPRESSED);
    });
  });

  describe('commandStream$', () => {
    it('emits the bodies up to the terminal marker concatenated: compressed first frame split after 5 bytes, plain, terminal', async () => {
      const first = compressedFrame(frame1);
      h.script = answer(async (peer) => {
        peer.socket.setNoDelay(true);
        peer.write(first.subarray(0, 5));
        await sleep(20);
        peer.write(first.subarray(5), frame2, lastFrame);
      });
      const conn = await h.connect();
      const result = await outcome(h.transport.commandStream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([Buffer.concat([frame1.subarray(8), frame2.subarray(8), lastFrame.subarray(8)])]);
      expect(result.completed).toBeTrue();
      expect(conn.isOpen).toBeTrue();
    });

    it('skips zero-length as_msg frames', async () => {
      h.script = answer((peer) => peer.write(emptyFrame, frame2, emptyFrame, lastFrame));
      const conn = await h.connect();
      const result = await outcome(h.transport.commandStream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([Buffer.concat([frame2.subarray(8), lastFrame.subarray(8)])]);
    });

    it('ends on a LAST record appended at the end of the final frame (short query)', async () => {
      const shortQuery = asMsgFrame([rec(1), rec(2), lastRecord()]);
      h.script = answer((peer) => peer.write(frame2, shortQuery));
      const conn = await h.connect();
      const result = await outcome(h.transport.commandStream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([Buffer.concat([frame2.subarray(8), shortQuery.subarray(8)])]);
      expect(result.completed).toBeTrue();
    });

    it('ends on a LAST record in the middle of a frame', async () => {
      const middle = asMsgFrame([rec(1), lastRecord(), rec(2)]);
      h.script = answer((peer) => peer.write(middle));
      const conn = await h.connect();
      const result = await outcome(h.transport.commandStream$(conn, smallRequest(), 200));
      expect(result.values).toEqual([middle.subarray(8)]);
    });

    it('errors with network_error when the server closes before the terminal marker', async () => {
      h.script = answer((peer) => {
        peer.write(frame1, frame2);
        peer.end();
      });
      const conn = await h.connect();
      const result = await outcome(h.transport.commandStream$(conn, smallRequest(), 500));
      expect(result.values).toEqual([]);
      expectAerospikeError(result.error, 'network_error', 'closed');
    });

    it('errors with timeout when the frames stall before the terminal marker', async () => {
      h.script = answer((peer) => peer.write(frame1));
      const conn = await h.connect();
      const result = await outcome(h.transport.commandStream$(conn, smallRequest(), 80));
      expect(result.values).toEqual([]);
      expectAerospikeError(result.error, 'timeout');
    });

    it('rejects a reply of another type with parse_error naming expected [3, 4]', async () => {
      h.script = answer((peer) => peer.write(infoReplyFrame({ a: 'b' })));
      const conn = await h.connect();
      const result = await outcome(h.transport.commandStream$(conn, smallRequest(), 200));
      expectAerospikeError(result.error, 'parse_error', 'expected [3, 4], got 1');
    });

    describe('admin', () => {
      const adminRequest = adminFrame(adminRecord({ command: 9 }));
      const user1 = adminFrame(adminRecord({ fields: [{ type: 0, data: 'alice' }] }));
      const user2 = adminFrame(adminRecord({ fields: [{ type: 0, data: 'bob' }] }));

      it('emits the whole frames, headers included, through QUERY_END', async () => {
        h.script = answer((peer) => peer.write(user1, user2, queryEndFrame()));
        const conn = await h.connect();
        const result = await outcome(h.transport.commandStream$(conn, adminRequest, 200, { messageType: 'admin' }));
        expect(result.values).toEqual([Buffer.concat([user1, user2, queryEndFrame()])]);
        expect(conn.isOpen).toBeTrue();
      });

      it('treats an error frame (rc 74) as terminal without waiting for QUERY_END, returning it verbatim', async () => {
        const refused = adminFrame(adminRecord({ resultCode: 74 }));
        h.script = answer((peer) => peer.write(user1, refused));
        const conn = await h.connect();
        const result = await outcome(h.transport.commandStream$(conn, adminRequest, 200, { messageType: 'admin' }));
        expect(result.values).toEqual([Buffer.concat([user1, refused])]);
        expect(result.completed).toBeTrue();
      });

      it('keeps zero-length admin frames as bare 8-byte headers, not terminal', async () => {
        const empty = encodeFrame(MessageType.ADMIN, Buffer.alloc(0));
        h.script = answer((peer) => peer.write(empty, user1, empty, queryEndFrame()));
        const conn = await h.connect();
        const result = await outcome(h.transport.commandStream$(conn, adminRequest, 200, { messageType: 'admin' }));
        expect(result.values).toEqual([Buffer.concat([empty, user1, empty, queryEndFrame()])]);
      });

      it('rejects an as_msg frame on the admin path', async () => {
        h.script = answer((peer) => peer.write(lastFrame));
        const conn = await h.connect();
        const result = await outcome(h.transport.commandStream$(conn, adminRequest, 200, { messageType: 'admin' }));
        expectAerospikeError(result.error, 'parse_error', 'expected [2], got 3');
      });
    });
  });
});
