// TcpTransport's call-time checks: bad arguments to command$, commandStream$, stream$ and info$ throw
// at once, naming the argument, before anything is written; and what a connection exposes.
import { AerospikeError } from '../../lib/errors';
import type { TcpConnection } from '../../lib/net/tcp-connection';
import type { Connection } from '../../lib/node-transport';
import { asMsgFrame, asMsgRecord } from '../../lib/testing/frame-builders';
import { outcome, replies, smallRequest, thrownBy, TransportHarness } from '../helpers/transport-harness';

const record = asMsgRecord({ generation: 3, ops: [{ op: 1, name: 'b', value: 42 }] });
const reply = asMsgFrame(record);

describe('TcpTransport call-time validation', () => {
  const h = new TransportHarness().install();

    let conn: Connection;
    beforeEach(async () => {
      conn = await h.connect();
    });

    for (const bad of [0, -1, NaN, Infinity, -Infinity]) {
      it(`throws RangeError naming deadlineMs for ${bad}, before anything is written`, async () => {
        for (const call of [
          () => h.transport.command$(conn, smallRequest(), bad),
          () => h.transport.commandStream$(conn, smallRequest(), bad),
          () => h.transport.stream$(conn, smallRequest(), bad),
        ]) {
          const error = thrownBy(call);
          expect(error).toBeInstanceOf(RangeError);
          expect((error as Error).message).toContain('deadlineMs');
        }
      });
    }

    it('throws TypeError naming deadlineMs for a non-number', () => {
      const error = thrownBy(() => h.transport.command$(conn, smallRequest(), '100' as unknown as number));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('deadlineMs');
    });

    const whole = smallRequest();
    const wrongLength = Buffer.from(whole);
    wrongLength.writeUInt32BE(whole.length, 4);
    const wrongVersion = Buffer.from(whole);
    wrongVersion[0] = 3;
    const requests: Array<[string, unknown]> = [
      ['shorter than a header', whole.subarray(0, 5)],
      ['a header whose length disagrees with the bytes', wrongLength],
      ['two frames', Buffer.concat([whole, whole])],
      ['a truncated frame', whole.subarray(0, whole.length - 1)],
      ['version 3', wrongVersion],
      ['an empty array', []],
      ['a string', 'hello'],
      ['an array holding a string', [whole, 'x']],
    ];
    for (const [what, request] of requests) {
      it(`throws at call time for a request that is ${what}`, () => {
        const error = thrownBy(() => h.transport.command$(conn, request as Uint8Array, 100));
        expect(error instanceof TypeError || error instanceof RangeError).withContext(String(error)).toBeTrue();
        expect((error as Error).message).toContain('request');
      });
    }

    it('throws TypeError naming the options when they are not an object (null included)', () => {
      for (const call of [
        () => h.transport.command$(conn, smallRequest(), 100, null as never),
        () => h.transport.commandStream$(conn, smallRequest(), 100, 5 as never),
        () => h.transport.stream$(conn, smallRequest(), 100, null as never),
      ]) {
        const error = thrownBy(call);
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toContain('options must be an object');
      }
    });

    it('throws TypeError naming the option for a wrong type and RangeError for a wrong range', () => {
      const typeCases = [{ useCompression: 1 }, { messageType: 'info' }, { attempt: '1' }];
      for (const opts of typeCases) {
        const error = thrownBy(() => h.transport.command$(conn, smallRequest(), 100, opts as never));
        expect(error).withContext(JSON.stringify(opts)).toBeInstanceOf(TypeError);
        expect((error as Error).message).toContain(Object.keys(opts)[0]!);
      }
      for (const attempt of [-1, 1.5]) {
        const error = thrownBy(() => h.transport.command$(conn, smallRequest(), 100, { attempt }));
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toContain('attempt');
      }
      expect(thrownBy(() => h.transport.stream$(conn, smallRequest(), 100, { messageType: 'admin' } as never))).toBeInstanceOf(TypeError);
    });

    it('throws TypeError for a connection not made by this kind of transport', () => {
      const error = thrownBy(() => h.transport.command$({ host: 'x', port: 1, nodeName: undefined, isOpen: true }, smallRequest(), 100));
      expect(error).toBeInstanceOf(TypeError);
    });

    it('sends an array Request (one frame in parts, split inside the header) as that frame', async () => {
      h.script = replies(reply);
      const c = await h.connect();
      const parts = [whole.subarray(0, 3), whole.subarray(3, 10), whole.subarray(10)];
      expect((await outcome(h.transport.command$(c, parts, 200))).values).toEqual([record]);
      const peer = await h.peer(1);
      expect(Buffer.concat(peer.received)).toEqual(whole);
    });

    it('accepts a plain Uint8Array request', async () => {
      h.script = replies(reply);
      const c = await h.connect();
      const bytes = new Uint8Array(whole);
      expect((await outcome(h.transport.command$(c, bytes, 200))).values).toEqual([record]);
    });

  it('exposes host, port, nodeName and isOpen on the connection', async () => {
    const conn = (await h.connect({ nodeName: 'A1' })) as TcpConnection;
    expect([conn.host, conn.port, conn.nodeName, conn.isOpen]).toEqual(['127.0.0.1', h.port, 'A1', true]);
    expect(conn).not.toBeInstanceOf(AerospikeError);
  });
});
