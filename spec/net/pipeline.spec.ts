import { tracingChannel } from 'node:diagnostics_channel';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { TcpTransport } from '../../lib/net/tcp-transport';
import { TcpConnection } from '../../lib/net/tcp-connection';
import type { Connection } from '../../lib/node-transport';
import { decodeAsMsgHeader } from '../../lib/protocol/as-msg';
import { CHANNEL_NAMES } from '../../lib/telemetry';
import { adminFrame, adminRecord, asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { readerOf } from '../../lib/net/socket-reader';
import { LoopbackServer, sleep, type Peer } from '../helpers/loopback-server';
import { expectAerospikeError, outcome, paddedRequest } from '../helpers/transport-harness';

/** A request tagged by its generation field, so replies can be matched to requests. */
const tagged = (n: number): Buffer => asMsgFrame(asMsgRecord({ generation: n }));
const generationOf = (body: Buffer): number => decodeAsMsgHeader(body).generation;

describe('TcpTransport pipelining (pipeline: true)', () => {
  let server: LoopbackServer;
  let script: (peer: Peer) => Promise<void>;
  let transport: TcpTransport;
  let conn: Connection;

  /** Reads `n` requests before answering any, then echoes each one's tag in order. */
  const echoAfter = (n: number) => async (peer: Peer) => {
    for (;;) {
      const batch: Buffer[] = [];
      while (batch.length < n) {
        const req = await peer.readFrame();
        if (req === undefined) return;
        batch.push(req);
      }
      for (const req of batch) peer.write(asMsgFrame(asMsgRecord({ generation: generationOf(req.subarray(8)) })));
    }
  };

  beforeAll(async () => {
    server = await LoopbackServer.start((peer) => script(peer));
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    transport = new TcpTransport();
  });
  afterEach(() => transport.close(conn));

  const connect = (pipeline: boolean): Promise<Connection> => firstValueFrom(transport.connect$(server.host, server.port, { pipeline }));

  it('keeps several command$ in flight on one connection and matches replies in order', async () => {
    script = echoAfter(8);
    conn = await connect(true);
    const replies = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => firstValueFrom(transport.command$(conn, tagged(n), 1000))));
    expect(replies.map(generationOf)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(conn.isOpen).toBeTrue();
  });

  it('still refuses a second command$ with connection_busy when pipelining is off', async () => {
    script = echoAfter(1);
    conn = await connect(false);
    const first = firstValueFrom(transport.command$(conn, tagged(1), 1000));
    await expectAsync(firstValueFrom(transport.command$(conn, tagged(2), 1000))).toBeRejectedWith(
      jasmine.objectContaining({ code: 'connection_busy', inDoubt: false }),
    );
    expect(generationOf(await first)).toBe(1);
  });

  it('does not pipeline streams: stream$ and commandStream$ wait for an idle connection', async () => {
    script = echoAfter(1);
    conn = await connect(true);
    const first = firstValueFrom(transport.command$(conn, tagged(1), 1000));
    await expectAsync(lastValueFrom(transport.stream$(conn, tagged(2), 1000))).toBeRejectedWith(jasmine.objectContaining({ code: 'connection_busy' }));
    await expectAsync(firstValueFrom(transport.commandStream$(conn, tagged(2), 1000))).toBeRejectedWith(jasmine.objectContaining({ code: 'connection_busy' }));
    await first;
  });

  it('fails every in-flight operation with a typed error and destroys the socket when the server closes', async () => {
    script = async (peer) => {
      const req = await peer.readFrame();
      await peer.readFrame();
      await peer.readFrame();
      peer.write(asMsgFrame(asMsgRecord({ generation: generationOf(req!.subarray(8)) })));
      await sleep(10);
      peer.end();
    };
    conn = await connect(true);
    const results = await Promise.allSettled([1, 2, 3].map((n) => firstValueFrom(transport.command$(conn, tagged(n), 1000))));
    expect(results[0]!.status).toBe('fulfilled');
    for (const r of results.slice(1)) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toEqual(jasmine.objectContaining({ code: 'network_error', inDoubt: true }));
    }
    expect(conn.isOpen).toBeFalse();
  });

  it('drops the reply of an unsubscribed operation without disturbing the others', async () => {
    script = echoAfter(3);
    conn = await connect(true);
    const a = firstValueFrom(transport.command$(conn, tagged(1), 1000));
    const dropped = transport.command$(conn, tagged(2), 1000).subscribe({ next: () => fail('the dropped reply was delivered') });
    const c = firstValueFrom(transport.command$(conn, tagged(3), 1000));
    dropped.unsubscribe();
    expect(generationOf(await a)).toBe(1);
    expect(generationOf(await c)).toBe(3);
    expect(conn.isOpen).toBeTrue();
    expect((conn as TcpConnection).inFlight).toBe(0);
  });

  it('gives a read shared by pipelined replies only to the operations written before it, failing one begun from a reply’s handler', async () => {
    script = async (peer) => {
      await peer.readFrame();
      await peer.readFrame();
      // the replies of both requests and a stray frame, in one read
      peer.write(Buffer.concat([tagged(1), tagged(2), tagged(99)]));
      const late = await peer.readFrame();
      if (late !== undefined) peer.write(tagged(3));
    };
    conn = await connect(true);
    let third: Promise<Buffer> | undefined;
    const first = new Promise<Buffer>((resolve, reject) =>
      transport.command$(conn, tagged(1), 1000).subscribe({
        next: (body) => {
          // begun from the first reply's handler, while the rest of that read is still being delivered
          third = firstValueFrom(transport.command$(conn, tagged(3), 1000));
          resolve(body);
        },
        error: reject,
      }),
    );
    const second = firstValueFrom(transport.command$(conn, tagged(2), 1000));
    expect(generationOf(await first)).toBe(1);
    expect(generationOf(await second)).toBe(2);
    await expectAsync(third!).toBeRejectedWith(jasmine.objectContaining({ code: 'network_error', message: jasmine.stringContaining('beyond the end of the reply') }));
    expect(conn.isOpen).toBeFalse();
  });

  it('closes an unsubscribed operation’s recv span once, as cancelled, even when the connection fails later', async () => {
    script = async (peer) => {
      while ((await peer.readFrame()) !== undefined);
    };
    conn = await connect(true);
    const ends: Array<{ cancelled?: boolean; error?: unknown }> = [];
    const handlers = { start: () => undefined, end: () => undefined, asyncStart: () => undefined, error: () => undefined, asyncEnd: (ctx: object) => ends.push({ ...ctx }) };
    const recv = tracingChannel(CHANNEL_NAMES.commandRecv);
    recv.subscribe(handlers as never);
    try {
      const errors: unknown[] = [];
      transport.command$(conn, tagged(1), 1000).subscribe({ error: (e: unknown) => errors.push(e) }).unsubscribe();
      expect(conn.isOpen).toBeTrue();
      transport.close(conn);
      expect(errors).toEqual([]);
    } finally {
      recv.unsubscribe(handlers as never);
    }
    expect(ends.length).toBe(1);
    expect(ends[0]!.cancelled).toBeTrue();
    expect(ends[0]!.error).toBeUndefined();
  });

  it('times out the head of the queue by its own deadline and fails the rest', async () => {
    script = async (peer) => {
      while ((await peer.readFrame()) !== undefined);
    };
    conn = await connect(true);
    const results = await Promise.allSettled([1, 2].map((n) => firstValueFrom(transport.command$(conn, tagged(n), 60))));
    expect(results.map((r) => (r as PromiseRejectedResult).reason?.code)).toEqual(['timeout', 'timeout']);
  });

  it('times out the head by its own read deadline while a later pipelined request is still draining', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.socket.pause(); // reads nothing more: the large request never drains, and nothing is answered
    };
    conn = await firstValueFrom(transport.connect$(server.host, server.port, { pipeline: true, connectTimeoutMs: 2000 }));
    const started = Date.now();
    const head = outcome(transport.command$(conn, tagged(1), 100));
    const large = outcome(transport.command$(conn, paddedRequest(32 * 1024 * 1024), 100));
    const result = await head;
    expectAerospikeError(result.error, 'timeout', 'no frame header within the 100 ms read deadline');
    expect(Date.now() - started).toBeLessThan(1500);
    expectAerospikeError((await large).error, 'timeout');
    server.peers[server.peers.length - 1]!.socket.destroy();
  });

  it('serves a stream after the pipelined commands have drained', async () => {
    script = async (peer) => {
      for (let req = await peer.readFrame(); req !== undefined; req = await peer.readFrame()) {
        peer.write(asMsgFrame([asMsgRecord({ generation: generationOf(req.subarray(8)) }), lastRecord()]));
      }
    };
    conn = await connect(true);
    await Promise.all([1, 2].map((n) => firstValueFrom(transport.command$(conn, tagged(n), 1000))));
    const frames = await lastValueFrom(transport.stream$(conn, tagged(3), 1000).pipe(toArray()));
    expect(frames.length).toBe(1);
  });

  it('wipes the reused read buffer after a read holding a pipelined admin reply, though an as_msg reply led the read', async () => {
    const token = Buffer.from('pipelined-admin-token-5c1e');
    script = async (peer) => {
      await peer.readFrame();
      await peer.readFrame();
      // both replies in one write: one read, led by the as_msg reply, whose operation holds no secret
      peer.write(Buffer.concat([tagged(1), adminFrame(adminRecord({ fields: [{ type: 5, data: token }] }))]));
      await peer.readFrame();
    };
    conn = await connect(true);
    const adminRequest = adminFrame(adminRecord({ command: 0 }));
    const [first, admin] = await Promise.all([
      firstValueFrom(transport.command$(conn, tagged(1), 1000)),
      firstValueFrom(transport.command$(conn, adminRequest, 1000, { messageType: 'admin' })),
    ]);
    expect(generationOf(first)).toBe(1);
    expect(admin.includes(token)).toBeTrue();
    const scratch = (readerOf((conn as TcpConnection)['socket'])! as unknown as { scratch: Buffer }).scratch;
    expect(scratch.length).toBeGreaterThan(0);
    expect(scratch.includes(token)).toBeFalse();
  });
});
