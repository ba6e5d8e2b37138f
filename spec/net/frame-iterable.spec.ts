import { firstValueFrom } from 'rxjs';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { TcpConnection } from '../../lib/net/tcp-connection';
import { decodeAsMsgHeader } from '../../lib/protocol/as-msg';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { LoopbackServer, sleep, type Peer } from '../helpers/loopback-server';

const request = asMsgFrame(asMsgRecord());
/** A data frame of about `size` bytes whose record carries `n` as its generation. */
const dataFrame = (n: number, size: number): Buffer =>
  asMsgFrame(asMsgRecord({ generation: n, ops: [{ op: 1, particleType: 4, name: 'b', value: Buffer.alloc(size, n & 0xff) }] }));

/** `promise`'s outcome, or 'pending' when it has not settled within `ms` (a generous bound: only a hang exceeds it). */
const settledWithin = <T>(promise: Promise<T>, ms = 2000): Promise<{ value: T } | { error: unknown } | 'pending'> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms))),
  ]).finally(() => clearTimeout(timer));
};
const generationOf = (frame: Buffer): number => decodeAsMsgHeader(frame.subarray(8)).generation;

describe('TcpTransport.frames (backpressure)', () => {
  let server: LoopbackServer;
  let script: (peer: Peer) => Promise<void>;
  let transport: TcpTransport;
  let conn: TcpConnection;

  beforeAll(async () => {
    server = await LoopbackServer.start((peer) => script(peer));
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    transport = new TcpTransport();
  });
  afterEach(() => transport.close(conn));

  const connect = async (): Promise<TcpConnection> =>
    (conn = (await firstValueFrom(transport.connect$(server.host, server.port))) as TcpConnection);

  it('return() ends a next() still waiting for a frame and destroys the socket at once', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.write(dataFrame(1, 10));
    };
    await connect();
    const iterator = transport.frames(conn, request, 5000)[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBeFalse();
    const waiting = iterator.next();
    await sleep(20);
    const started = Date.now();
    await iterator.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(conn.isOpen).toBeFalse();
  });

  it('settles next() calls pending at once in call order: a frame each, then the end', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.write(dataFrame(1, 10), dataFrame(2, 10), asMsgFrame(lastRecord()));
    };
    await connect();
    const iterator = transport.frames(conn, request, 1000)[Symbol.asyncIterator]();
    const pending = [iterator.next(), iterator.next(), iterator.next(), iterator.next()];
    const results = await Promise.all(pending.map((p) => settledWithin(p)));
    expect(results.map((r) => (r === 'pending' || 'error' in r ? r : r.value.done ? 'done' : generationOf(r.value.value)))).toEqual([1, 2, 0, 'done']);
    expect(conn.isOpen).toBeTrue();
  });

  it('rejects every next() pending when the stream fails, with its typed error', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.end();
    };
    await connect();
    const iterator = transport.frames(conn, request, 1000)[Symbol.asyncIterator]();
    const results = await Promise.all([iterator.next(), iterator.next()].map((p) => settledWithin(p)));
    for (const r of results) expect(r).toEqual({ error: jasmine.objectContaining({ code: 'network_error' }) });
  });

  it('return() ends every next() still waiting for a frame, not only the latest', async () => {
    script = async (peer) => {
      await peer.readFrame();
    };
    await connect();
    const iterator = transport.frames(conn, request, 5000)[Symbol.asyncIterator]();
    const waiting = [iterator.next(), iterator.next()];
    await iterator.return!();
    const results = await Promise.all(waiting.map((p) => settledWithin(p)));
    expect(results).toEqual([
      { value: { value: undefined, done: true } },
      { value: { value: undefined, done: true } },
    ]);
    expect(conn.isOpen).toBeFalse();
  });

  it('yields every frame in order, the terminal frame last, then ends', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.write(dataFrame(1, 10), dataFrame(2, 10), asMsgFrame(lastRecord()));
    };
    await connect();
    const generations: number[] = [];
    for await (const frame of transport.frames(conn, request, 500)) generations.push(decodeAsMsgHeader(frame.subarray(8)).generation);
    expect(generations).toEqual([1, 2, 0]);
    expect(conn.isOpen).toBeTrue();
  });

  it('does nothing until iteration starts', async () => {
    script = async (peer) => {
      if ((await peer.readFrame()) !== undefined) fail('the request was sent before iteration');
    };
    await connect();
    transport.frames(conn, request, 500);
    await sleep(30);
    expect(conn.inFlight).toBe(0);
  });

  it('pauses the socket while a slow consumer is behind and resumes when it catches up, losing nothing', async () => {
    const count = 64;
    script = async (peer) => {
      await peer.readFrame();
      for (let n = 1; n <= count; n++) peer.write(dataFrame(n, 64 * 1024));
      peer.write(asMsgFrame(lastRecord()));
    };
    await connect();
    const pause = spyOn(conn, 'pauseReading').and.callThrough();
    const resume = spyOn(conn, 'resumeReading').and.callThrough();
    const generations: number[] = [];
    // a generous deadline: the point is pause and resume, and the server shares this process
    for await (const frame of transport.frames(conn, request, 2000, { highWaterBytes: 256 * 1024 })) {
      generations.push(decodeAsMsgHeader(frame.subarray(8)).generation);
      await sleep(1);
    }
    expect(generations.length).toBe(count + 1);
    expect(generations.slice(0, count)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(pause).toHaveBeenCalled();
    expect(resume).toHaveBeenCalled();
  });

  it('does not time out while paused for the consumer', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.write(dataFrame(1, 100), dataFrame(2, 100), asMsgFrame(lastRecord()));
    };
    await connect();
    const seen: number[] = [];
    for await (const frame of transport.frames(conn, request, 50, { highWaterFrames: 1 })) {
      seen.push(frame.length);
      await sleep(80);
    }
    expect(seen.length).toBe(3);
  });

  it('tears the socket down when the loop breaks early', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.write(dataFrame(1, 10), dataFrame(2, 10));
    };
    await connect();
    for await (const frame of transport.frames(conn, request, 1000)) {
      expect(frame.length).toBeGreaterThan(0);
      break;
    }
    await server.peers[server.peers.length - 1]!.closed;
    expect(conn.isOpen).toBeFalse();
  });

  it('delivers the frames that arrived, then throws the typed error', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.write(dataFrame(1, 10));
      await sleep(10);
      peer.end();
    };
    await connect();
    const seen: Buffer[] = [];
    await expectAsync(
      (async () => {
        for await (const frame of transport.frames(conn, request, 1000)) seen.push(frame);
      })(),
    ).toBeRejectedWith(jasmine.objectContaining({ code: 'network_error' }));
    expect(seen.length).toBe(1);
  });
});
