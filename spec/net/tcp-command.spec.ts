import { randomBytes } from 'node:crypto';
import type { Observable } from 'rxjs';
import type { CommandOptions, Connection, Request } from '../../lib/node-transport';
import { inflateSync } from 'node:zlib';
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
} from '../../lib/testing/frame-builders';
import { sleep, type Peer } from '../helpers/loopback-server';
import { expectAerospikeError, outcome, paddedRequest, replies, smallRequest, TransportHarness, viaCommandCall } from '../helpers/transport-harness';

const record = asMsgRecord({ resultCode: 0, generation: 7, ops: [{ op: 1, name: 'bin', value: 'value' }] });
const reply = asMsgFrame(record);

/** A compressed reply frame whose 8-byte size prefix is replaced by `size`. */
function withSizePrefix(frame: Buffer, size: number): Buffer {
  const copy = Buffer.from(frame);
  copy.writeUInt32BE(Math.floor(size / 2 ** 32), 8);
  copy.writeUInt32BE(size >>> 0, 12);
  return copy;
}

// every behaviour holds for command$ and for commandCall (the cluster's key commands), which shares its read
for (const via of ['command$', 'commandCall'] as const) describe(`TcpTransport.${via}`, () => {
  const h = new TransportHarness().install();
  const run$ = (conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer> =>
    via === 'command$' ? h.transport.command$(conn, request, deadlineMs, opts) : viaCommandCall(h.transport, conn, request, deadlineMs, opts);

  /** Script: answers the first request with `write(peer)`, records every request frame. */
  const requests: Buffer[] = [];
  const answer = (write: (peer: Peer) => unknown) => async (peer: Peer) => {
    const req = await peer.readFrame();
    if (req === undefined) return;
    requests.push(req);
    await write(peer);
  };
  beforeEach(() => {
    requests.length = 0;
  });

  describe('read deadline', () => {
    it('errors with timeout when the server never replies, well under 500 ms for an 80 ms deadline', async () => {
      const conn = await h.connect();
      const started = Date.now();
      const result = await outcome(run$(conn, smallRequest(), 80));
      const elapsed = Date.now() - started;
      expectAerospikeError(result.error, 'timeout', 'transport timed out');
      expect(elapsed).toBeGreaterThanOrEqual(75);
      expect(elapsed).toBeLessThan(500);
    });

    it('returns the full body when the server answers before the deadline', async () => {
      h.script = answer(async (peer) => {
        await sleep(20);
        peer.write(reply);
      });
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      expect(result.completed).toBeTrue();
      expect(result.values).toEqual([record]);
    });

    it('is a timeout, never a completion, when the reply stalls mid-body', async () => {
      h.script = answer((peer) => peer.write(reply.subarray(0, 12)));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 80));
      expectAerospikeError(result.error, 'timeout', 'frame body');
      expect(result.values).toEqual([]);
    });
  });

  it('reassembles a reply split inside the 8-byte header', async () => {
    h.script = answer(async (peer) => {
      peer.socket.setNoDelay(true);
      peer.write(reply.subarray(0, 3));
      await sleep(20);
      peer.write(reply.subarray(3, 11));
      await sleep(20);
      peer.write(reply.subarray(11));
    });
    const conn = await h.connect();
    const result = await outcome(run$(conn, smallRequest(), 200));
    expect(result.values).toEqual([record]);
    expect(result.completed).toBeTrue();
  });

  it('returns an empty body for a zero-length reply', async () => {
    h.script = answer((peer) => peer.write(encodeFrame(MessageType.AS_MSG, Buffer.alloc(0))));
    const conn = await h.connect();
    const result = await outcome(run$(conn, smallRequest(), 200));
    expect(result.values.map((b) => b.length)).toEqual([0]);
  });

  describe('header validation', () => {
    it('rejects a reply with proto version 3 as a parse_error naming got 3', async () => {
      const bad = Buffer.from(reply);
      bad[0] = 3;
      h.script = answer((peer) => peer.write(bad));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      expectAerospikeError(result.error, 'parse_error', 'got 3');
      expect((result.error as Error).message).toContain('proto version');
    });

    it('rejects an info-typed reply on the command path, naming expected [3, 4] and got 1', async () => {
      h.script = answer((peer) => peer.write(infoReplyFrame({ build: '8.1.2.0' })));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      const error = expectAerospikeError(result.error, 'parse_error', 'expected [3, 4]');
      expect(error.message).toContain('got 1');
    });

    it('rejects an as_msg reply when messageType is admin, naming expected [2]', async () => {
      h.script = answer((peer) => peer.write(reply));
      const conn = await h.connect();
      const result = await outcome(run$(conn, adminFrame(adminRecord({ command: 9 })), 200, { messageType: 'admin' }));
      const error = expectAerospikeError(result.error, 'parse_error', 'expected [2]');
      expect(error.message).toContain('got 3');
    });

    it('returns the admin body (16-byte header and fields) for messageType admin', async () => {
      const body = adminRecord({ resultCode: 0, command: 20, fields: [{ type: 5, data: 'token' }] });
      h.script = answer((peer) => peer.write(adminFrame(body)));
      const conn = await h.connect();
      const result = await outcome(run$(conn, adminFrame(adminRecord({ command: 9 })), 200, { messageType: 'admin' }));
      expect(result.values).toEqual([body]);
    });
  });

  describe('compressed replies', () => {
    it('returns the inflated inner body verbatim', async () => {
      h.script = answer((peer) => peer.write(compressedFrame(reply)));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      expect(result.values).toEqual([record]);
      expect(result.completed).toBeTrue();
    });

    it('rejects a corrupted zlib stream with parse_error "inflate"', async () => {
      const bad = compressedFrame(reply);
      bad.fill(0xff, 16, 22);
      h.script = answer((peer) => peer.write(bad));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      expectAerospikeError(result.error, 'parse_error', 'inflate');
    });

    it('rejects a frame advertising a larger inner size with parse_error "size mismatch"', async () => {
      h.script = answer((peer) => peer.write(withSizePrefix(compressedFrame(reply), reply.length + 1)));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      expectAerospikeError(result.error, 'parse_error', 'size mismatch');
    });

    it('rejects a frame advertising a smaller inner size with parse_error "size mismatch"', async () => {
      h.script = answer((peer) => peer.write(withSizePrefix(compressedFrame(reply), reply.length - 1)));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      expectAerospikeError(result.error, 'parse_error', 'size mismatch');
    });

    it('rejects bytes after the end of the zlib stream with parse_error "trailing bytes", the socket destroyed', async () => {
      const inner = compressedFrame(reply);
      const padded = encodeFrame(MessageType.AS_MSG_COMPRESSED, Buffer.concat([inner.subarray(8), Buffer.from([0, 0, 0, 0])]));
      h.script = answer((peer) => peer.write(padded));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      expectAerospikeError(result.error, 'parse_error', '4 trailing bytes after the end of its zlib stream');
      expect(conn.isOpen).toBeFalse();
    });

    it('rejects a frame wrapping a non-AS_MSG body (inner type 1)', async () => {
      h.script = answer((peer) => peer.write(compressedFrame(infoReplyFrame({ node: 'BB9' }))));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      const error = expectAerospikeError(result.error, 'parse_error', 'proto type');
      expect(error.message).toContain('got 1');
    });

    it('rejects a frame missing its 8-byte size prefix', async () => {
      h.script = answer((peer) => peer.write(encodeFrame(MessageType.AS_MSG_COMPRESSED, Buffer.from([0x78, 0x9c, 0x03]))));
      const conn = await h.connect();
      const result = await outcome(run$(conn, smallRequest(), 200));
      expectAerospikeError(result.error, 'parse_error', 'uncompressed-size prefix');
    });
  });

  describe('outbound compression', () => {
    it('sends a request above 128 bytes as a type-4 frame whose inflated content is the request', async () => {
      const request = paddedRequest(300);
      h.script = answer((peer) => peer.write(reply));
      const conn = await h.connect();
      const result = await outcome(run$(conn, request, 200, { useCompression: true }));
      expect(result.completed).toBeTrue();
      const sent = requests[0]!;
      expect(sent[0]).toBe(2);
      expect(sent[1]).toBe(MessageType.AS_MSG_COMPRESSED);
      expect(sent.readUIntBE(2, 6)).toBe(sent.length - 8);
      expect(sent.readUInt32BE(8) * 2 ** 32 + sent.readUInt32BE(12)).toBe(request.length);
      expect(inflateSync(sent.subarray(16))).toEqual(request);
      expect(sent.length).toBeLessThan(request.length);
    });

    it('sends a request of exactly 128 bytes uncompressed', async () => {
      const request = paddedRequest(128);
      expect(request.length).toBe(128);
      h.script = answer((peer) => peer.write(reply));
      const conn = await h.connect();
      await outcome(run$(conn, request, 200, { useCompression: true }));
      expect(requests[0]).toEqual(request);
    });

    it('falls back to plain framing when compression would bloat the payload (140 random bytes)', async () => {
      const request = paddedRequest(140, (n) => randomBytes(n));
      expect(request.length).toBe(140);
      h.script = answer((peer) => peer.write(reply));
      const conn = await h.connect();
      await outcome(run$(conn, request, 200, { useCompression: true }));
      expect(requests[0]).toEqual(request);
    });

    it('sends requests uncompressed when useCompression is omitted', async () => {
      const request = paddedRequest(300);
      h.script = answer((peer) => peer.write(reply));
      const conn = await h.connect();
      await outcome(run$(conn, request, 200));
      expect(requests[0]).toEqual(request);
    });

    it('never compresses an admin request', async () => {
      const request = adminFrame(adminRecord({ command: 9, fields: [{ type: 0, data: 'u'.repeat(200) }] }));
      h.script = answer((peer) => peer.write(adminFrame(adminRecord())));
      const conn = await h.connect();
      await outcome(run$(conn, request, 200, { useCompression: true, messageType: 'admin' }));
      expect(requests[0]).toEqual(request);
    });

    it('round-trips a compressed request against a compressed reply', async () => {
      const request = paddedRequest(400);
      h.script = answer((peer) => peer.write(compressedFrame(reply)));
      const conn = await h.connect();
      const result = await outcome(run$(conn, request, 200, { useCompression: true }));
      expect(requests[0]![1]).toBe(MessageType.AS_MSG_COMPRESSED);
      expect(result.values).toEqual([record]);
    });
  });

  it('reads a LAST record reply like any other single reply', async () => {
    h.script = replies(asMsgFrame(lastRecord(2)));
    const conn = await h.connect();
    const result = await outcome(run$(conn, smallRequest(), 200));
    expect(result.values).toEqual([lastRecord(2)]);
  });
});
