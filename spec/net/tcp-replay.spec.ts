// Replays the server side of real Aerospike 8 captures (spec/fixtures/captures) through a loopback
// server: whole, and in odd-size chunks.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CAPTURES_DIR, captureFrames } from '../helpers/capture-vectors';
import type { Peer } from '../helpers/loopback-server';
import { outcome, TransportHarness } from '../helpers/transport-harness';

const CAPTURES = ['05-scan-50-small', '06-scan-50-large', '07-batch-get'] as const;

interface Capture {
  readonly request: Buffer;
  readonly reply: Buffer;
  readonly frames: Buffer[];
}

function load(name: string): Capture {
  return {
    request: readFileSync(resolve(CAPTURES_DIR, `${name}.conn2.c2s.bin`)),
    reply: readFileSync(resolve(CAPTURES_DIR, `${name}.conn2.s2c.bin`)),
    frames: captureFrames(name, 's2c', 2),
  };
}

describe('TcpTransport replaying real server captures', () => {
  const h = new TransportHarness().install();

  for (const name of CAPTURES) {
    describe(name, () => {
      const capture = load(name);
      const bodies = Buffer.concat(capture.frames.map((f) => f.subarray(8)));
      const received: Buffer[] = [];

      /** Answers the captured request with the captured server stream, whole or in chunks. */
      const serve = (write: (peer: Peer, bytes: Buffer) => unknown) => async (peer: Peer) => {
        const req = await peer.readFrame();
        if (req === undefined) return;
        received.push(req);
        await write(peer, capture.reply);
      };
      beforeEach(() => {
        received.length = 0;
      });

      it('has frames covering the whole captured stream', () => {
        expect(Buffer.concat(capture.frames)).toEqual(capture.reply);
        expect(capture.frames.length).toBeGreaterThan(1);
      });

      it('stream$ emits exactly the captured frames and completes', async () => {
        h.script = serve((peer, bytes) => peer.write(bytes));
        const conn = await h.connect();
        const result = await outcome(h.transport.stream$(conn, capture.request, 2000));
        expect(received).toEqual([capture.request]);
        expect(result.values.length).toBe(capture.frames.length);
        expect(result.values.every((f, i) => f.equals(capture.frames[i]!))).toBeTrue();
        expect(result.completed).toBeTrue();
        expect(conn.isOpen).toBeTrue();
      });

      it('commandStream$ emits the concatenated bodies and completes', async () => {
        h.script = serve((peer, bytes) => peer.write(bytes));
        const conn = await h.connect();
        const result = await outcome(h.transport.commandStream$(conn, capture.request, 2000));
        expect(result.values.length).toBe(1);
        expect(result.values[0]!.equals(bodies)).toBeTrue();
        expect(result.completed).toBeTrue();
        expect(conn.isOpen).toBeTrue();
      });

      const sizes = name === '06-scan-50-large' ? [7919, 3, 65537, 1, 104729] : [1, 3, 7, 5, 13, 2, 8, 11];
      it(`stream$ emits the same frames when the stream arrives in odd-size chunks (${sizes.join(', ')})`, async () => {
        h.script = serve((peer, bytes) => peer.chunked(bytes, sizes));
        const conn = await h.connect();
        const result = await outcome(h.transport.stream$(conn, capture.request, 2000));
        expect(result.values.length).toBe(capture.frames.length);
        expect(result.values.every((f, i) => f.equals(capture.frames[i]!))).toBeTrue();
        expect(result.completed).toBeTrue();
      });

      it('commandStream$ emits the same bodies when the stream arrives in odd-size chunks', async () => {
        h.script = serve((peer, bytes) => peer.chunked(bytes, sizes));
        const conn = await h.connect();
        const result = await outcome(h.transport.commandStream$(conn, capture.request, 2000));
        expect(result.values[0]!.equals(bodies)).toBeTrue();
        expect(result.completed).toBeTrue();
      });
    });
  }
});
