// Bytes that arrive after a reply, in the same read, while no other written request awaits a reply:
// a protocol violation even when the caller begins its next operation from the reply's handler
// (concatMap, a stream's terminal frame). That operation fails with network_error; it is never handed
// bytes that arrived before its request was written. (Pipelined replies sharing a read: pipeline.spec.)
// Each server writes the reply and what trails it in one small write, which loopback delivers in one read.

import { concatMap } from 'rxjs';
import { decodeAsMsgHeader } from '../../lib/protocol/as-msg';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { closedWithin, expectAerospikeError, outcome, smallRequest, TransportHarness } from '../helpers/transport-harness';

const tagged = (n: number): Buffer => asMsgFrame(asMsgRecord({ generation: n }));
const generationOf = (body: Buffer): number => decodeAsMsgHeader(body).generation;
const lastFrame = asMsgFrame(lastRecord());

describe('TcpTransport: bytes trailing a reply', () => {
  const h = new TransportHarness().install();

  it('fails an operation begun from the reply’s handler with network_error instead of handing it a stray frame that trailed the reply', async () => {
    h.script = async (peer) => {
      await peer.readFrame();
      peer.write(Buffer.concat([tagged(1), tagged(99)]));
      // the second request may or may not get here before the client closes: answer it if it does
      if ((await peer.readFrame()) !== undefined) peer.write(tagged(2));
    };
    const conn = await h.connect();
    const seen: number[] = [];
    const result = await outcome(
      h.transport.command$(conn, smallRequest(1), 1000).pipe(
        concatMap((body) => {
          seen.push(generationOf(body));
          return h.transport.command$(conn, smallRequest(2), 1000);
        }),
      ),
    );
    expect(seen).toEqual([1]);
    expect(result.values.map(generationOf)).toEqual([]);
    expectAerospikeError(result.error, 'network_error', 'beyond the end of the reply');
    expect(await closedWithin(await h.peer())).toBeTrue();
  });

  it('fails an operation begun from the reply’s handler at once when a partial header trailed the reply, never joining it to later bytes', async () => {
    const stray = tagged(99);
    h.script = async (peer) => {
      await peer.readFrame();
      peer.write(Buffer.concat([tagged(1), stray.subarray(0, 3)]));
      // the rest of the stray frame after the next request: joined to the first bytes, a whole frame
      if ((await peer.readFrame()) !== undefined) peer.write(stray.subarray(3));
    };
    const conn = await h.connect();
    const result = await outcome(h.transport.command$(conn, smallRequest(1), 1000).pipe(concatMap(() => h.transport.command$(conn, smallRequest(2), 1000))));
    expect(result.values.map(generationOf)).toEqual([]);
    expectAerospikeError(result.error, 'network_error', 'beyond the end of the reply');
    expect(conn.isOpen).toBeFalse();
  });

  it('fails a commandStream$ begun from a commandStream$ reply’s handler instead of handing it the frames that trailed the terminal one', async () => {
    h.script = async (peer) => {
      await peer.readFrame();
      peer.write(Buffer.concat([tagged(1), lastFrame, tagged(99), lastFrame]));
      if ((await peer.readFrame()) !== undefined) peer.write(tagged(2), lastFrame);
    };
    const conn = await h.connect();
    const result = await outcome(
      h.transport.commandStream$(conn, smallRequest(1), 1000).pipe(concatMap(() => h.transport.commandStream$(conn, smallRequest(2), 1000))),
    );
    expect(result.values).toEqual([]);
    expectAerospikeError(result.error, 'network_error', 'beyond the end of the reply');
    expect(conn.isOpen).toBeFalse();
  });
});
