import { Socket } from 'node:net';
import { firstValueFrom, take, type Observable } from 'rxjs';
import type { Connection } from '../../lib/node-transport';
import { MessageType } from '../../lib/protocol/constants';
import { encodeProtoHeader } from '../../lib/protocol/proto-header';
import { asMsgFrame, asMsgRecord, compressedFrame, infoReplyFrame, lastRecord } from '../../lib/testing/frame-builders';
import { sleep, type Peer } from '../helpers/loopback-server';
import {
  closedWithin,
  expectAerospikeError,
  outcome,
  replies,
  smallRequest,
  TransportHarness,
} from '../helpers/transport-harness';

const record = asMsgRecord({ generation: 3, ops: [{ op: 1, name: 'b', value: 42 }] });
const reply = asMsgFrame(record);
const dataFrame = asMsgFrame([asMsgRecord({ generation: 1 }), asMsgRecord({ generation: 2 })]);
const lastFrame = asMsgFrame(lastRecord());

/** Resolves once `n` requests have reached the peer. */
async function requestsSeen(peer: Peer, n: number): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  while (frames.length < n) {
    const f = await peer.readFrame();
    if (f === undefined) break;
    frames.push(f);
  }
  return frames;
}

describe('TcpTransport connection lifecycle', () => {
  const h = new TransportHarness().install();

  /** Every operation kind on `conn`, each subscribed once; all must fail at once with network_error. */
  async function expectDead(conn: Connection): Promise<void> {
    expect(conn.isOpen).toBeFalse();
    const ops: Observable<unknown>[] = [
      h.transport.command$(conn, smallRequest(), 100),
      h.transport.commandStream$(conn, smallRequest(), 100),
      h.transport.stream$(conn, smallRequest(), 100),
      h.transport.info$(conn, ['build']),
    ];
    for (const op of ops) {
      const result = await outcome(op);
      const error = expectAerospikeError(result.error, 'network_error', 'is closed');
      expect(error.inDoubt).toBeFalse();
    }
  }

  describe('cold', () => {
    it('connect$ opens no socket until subscribed', async () => {
      const connect$ = h.transport.connect$(h.host, h.port);
      await sleep(30);
      expect(h.peerCount).toBe(0);
      h.track(await firstValueFrom(connect$));
      expect(h.peerCount).toBe(1);
    });

    it('each connect$ subscription opens its own socket', async () => {
      const connect$ = h.transport.connect$(h.host, h.port);
      const a = h.track(await firstValueFrom(connect$));
      const b = h.track(await firstValueFrom(connect$));
      expect(a).not.toBe(b);
      await h.peer(1);
      expect(h.peerCount).toBe(2);
    });

    it('command$ writes nothing until subscribed', async () => {
      h.script = replies(reply);
      const conn = await h.connect();
      const command$ = h.transport.command$(conn, smallRequest(), 200);
      const peer = await h.peer();
      await sleep(30);
      expect(peer.received.length).toBe(0);
      expect((await outcome(command$)).values).toEqual([record]);
      expect(Buffer.concat(peer.received)).toEqual(smallRequest());
    });

    it('each command$ subscription sends its own request', async () => {
      h.script = replies(reply, reply);
      const conn = await h.connect();
      const command$ = h.transport.command$(conn, smallRequest(), 200);
      expect((await outcome(command$)).values).toEqual([record]);
      expect((await outcome(command$)).values).toEqual([record]);
      expect(Buffer.concat((await h.peer()).received)).toEqual(Buffer.concat([smallRequest(), smallRequest()]));
    });
  });

  describe('deadlines', () => {
    it('succeeds on drip-fed replies (1 byte per write) when each read is within the deadline', async () => {
      h.script = async (peer) => {
        peer.socket.setNoDelay(true);
        await peer.readFrame();
        await peer.drip(reply, 1, 1);
        await peer.readFrame();
        await peer.drip(Buffer.concat([dataFrame, lastFrame]), 1, 1);
      };
      const conn = await h.connect();
      expect((await outcome(h.transport.command$(conn, smallRequest(), 300))).values).toEqual([record]);
      const stream = await outcome(h.transport.stream$(conn, smallRequest(), 300));
      expect(stream.values).toEqual([dataFrame, lastFrame]);
      expect(stream.completed).toBeTrue();
    });

    it('bounds each read, not the operation: frames 50 ms apart under a 120 ms deadline succeed past 200 ms', async () => {
      h.script = async (peer) => {
        await peer.readFrame();
        for (let i = 0; i < 4; i++) {
          peer.write(dataFrame);
          await sleep(50);
        }
        peer.write(lastFrame);
      };
      const conn = await h.connect();
      const started = Date.now();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 120));
      expect(Date.now() - started).toBeGreaterThan(190);
      expect(result.values.length).toBe(5);
      expect(result.completed).toBeTrue();
    });

    it('starts the body read when the header arrives: header at 60 ms, body 60 ms later, 100 ms deadline', async () => {
      h.script = async (peer) => {
        peer.socket.setNoDelay(true);
        await peer.readFrame();
        await sleep(60);
        peer.write(reply.subarray(0, 8));
        await sleep(60);
        peer.write(reply.subarray(8));
      };
      const conn = await h.connect();
      const result = await outcome(h.transport.command$(conn, smallRequest(), 100));
      expect(result.values).toEqual([record]);
    });

    it('waits out a deadline above 2^31-1 ms without Node timer overflow (no 1 ms timer loop)', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void warnings.push(w.name);
      process.on('warning', onWarning);
      try {
        const conn = await h.connect();
        const intervals = spyOn(global, 'setInterval').and.callThrough();
        const sub = h.transport.command$(conn, smallRequest(), 2 ** 32).subscribe({ error: fail });
        await sleep(60);
        sub.unsubscribe();
        expect(intervals.calls.count()).toBeLessThanOrEqual(1);
        await sleep(0);
        expect(warnings).not.toContain('TimeoutOverflowWarning');
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('times out a body read that stalls after its header', async () => {
      h.script = async (peer) => {
        await peer.readFrame();
        peer.write(reply.subarray(0, 8));
      };
      const conn = await h.connect();
      const result = await outcome(h.transport.command$(conn, smallRequest(), 80));
      expectAerospikeError(result.error, 'timeout', 'no frame body within the 80 ms read deadline');
    });
  });

  describe('frame size cap', () => {
    it('rejects a declared length above maxFrameBytes (2^47) as parse_error without allocating for it', async () => {
      const header = encodeProtoHeader(MessageType.AS_MSG, 2 ** 47);
      h.script = async (peer) => {
        await peer.readFrame();
        peer.write(header);
      };
      const conn = await h.connect({ maxFrameBytes: 1024 });
      const allocUnsafe = spyOn(Buffer, 'allocUnsafe').and.callThrough();
      const alloc = spyOn(Buffer, 'alloc').and.callThrough();
      const result = await outcome(h.transport.command$(conn, smallRequest(), 200));
      const sizes = [...allocUnsafe.calls.allArgs(), ...alloc.calls.allArgs()].map((args) => args[0] as number);
      expectAerospikeError(result.error, 'parse_error', 'exceeds maxFrameBytes 1024');
      expect(sizes.filter((n) => n > 1024 + 8)).toEqual([]);
      expect(conn.isOpen).toBeFalse();
    });

    it('rejects a compressed frame declaring an inflated size above maxFrameBytes', async () => {
      const big = asMsgFrame(asMsgRecord({ fields: [{ type: 0, data: 'z'.repeat(4000) }] }));
      h.script = replies(compressedFrame(big));
      const conn = await h.connect({ maxFrameBytes: 1024 });
      const result = await outcome(h.transport.command$(conn, smallRequest(), 200));
      expectAerospikeError(result.error, 'parse_error', 'maxFrameBytes');
    });
  });

  describe('one operation at a time', () => {
    it('errors a second operation at once with connection_busy and leaves the first untouched', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      h.script = async (peer) => {
        await peer.readFrame();
        await released;
        peer.write(reply);
        await peer.readFrame();
        peer.write(reply);
      };
      const conn = await h.connect({ nodeName: 'BB9' });
      const first = outcome(h.transport.command$(conn, smallRequest(), 500));
      for (const second of <Observable<unknown>[]>[
        h.transport.command$(conn, smallRequest(), 500),
        h.transport.commandStream$(conn, smallRequest(), 500),
        h.transport.stream$(conn, smallRequest(), 500),
        h.transport.info$(conn, ['build']),
      ]) {
        let error: unknown;
        second.subscribe({ error: (e: unknown) => (error = e) });
        const busy = expectAerospikeError(error, 'connection_busy', 'already has an operation in flight');
        expect(busy.inDoubt).toBeFalse();
        expect(busy.node).toBe('BB9');
      }
      release();
      expect((await first).values).toEqual([record]);
      expect(conn.isOpen).toBeTrue();
      expect((await outcome(h.transport.command$(conn, smallRequest(), 500))).values).toEqual([record]);
      expect(Buffer.concat((await h.peer()).received)).toEqual(Buffer.concat([smallRequest(), smallRequest()]));
    });
  });

  it('is reusable after each clean end: command$, commandStream$, stream$, then info$ on one connection', async () => {
    h.script = async (peer) => {
      await peer.readFrame();
      peer.write(reply);
      await peer.readFrame();
      peer.write(dataFrame, lastFrame);
      await peer.readFrame();
      peer.write(dataFrame, lastFrame);
      await peer.readFrame();
      peer.write(infoReplyFrame({ build: '8.1.2.0' }));
    };
    const conn = await h.connect();
    expect((await outcome(h.transport.command$(conn, smallRequest(), 200))).values).toEqual([record]);
    expect((await outcome(h.transport.commandStream$(conn, smallRequest(), 200))).values).toEqual([
      Buffer.concat([dataFrame.subarray(8), lastFrame.subarray(8)]),
    ]);
    expect((await outcome(h.transport.stream$(conn, smallRequest(), 200))).values).toEqual([dataFrame, lastFrame]);
    const info = await outcome(h.transport.info$(conn, ['build']));
    expect({ ...info.values[0] }).toEqual({ build: '8.1.2.0' });
    expect(h.peerCount).toBe(1);
    expect(conn.isOpen).toBeTrue();
  });

  it('lets the next operation start from the terminal frame’s handler', async () => {
    h.script = async (peer) => {
      await peer.readFrame();
      peer.write(dataFrame, lastFrame);
      await peer.readFrame();
      peer.write(reply);
    };
    const conn = await h.connect();
    const next = await new Promise<Buffer[]>((resolve, reject) => {
      const seen: Buffer[] = [];
      h.transport.stream$(conn, smallRequest(), 200).subscribe({
        next: (frame) => {
          seen.push(frame);
          if (frame.equals(lastFrame)) {
            h.transport.command$(conn, smallRequest(), 200).subscribe({ next: (b) => resolve([...seen, b]), error: reject });
          }
        },
        error: reject,
      });
    });
    expect(next).toEqual([dataFrame, lastFrame, record]);
  });

  describe('after an error', () => {
    it('destroys the socket after a timeout and fails every later operation with network_error', async () => {
      const conn = await h.connect();
      const result = await outcome(h.transport.command$(conn, smallRequest(), 60));
      expectAerospikeError(result.error, 'timeout');
      expect(await closedWithin(await h.peer())).toBeTrue();
      await expectDead(conn);
    });

    it('destroys the socket after a parse_error and fails every later operation with network_error', async () => {
      h.script = replies(infoReplyFrame({ a: 'b' }));
      const conn = await h.connect();
      expectAerospikeError((await outcome(h.transport.command$(conn, smallRequest(), 200))).error, 'parse_error');
      expect(await closedWithin(await h.peer())).toBeTrue();
      await expectDead(conn);
    });

    it('fails every later operation after the server closed the idle connection', async () => {
      h.script = async (peer) => {
        await peer.readFrame();
        peer.write(reply);
        peer.end();
      };
      const conn = await h.connect();
      expect((await outcome(h.transport.command$(conn, smallRequest(), 200))).values).toEqual([record]);
      await closedWithin(await h.peer());
      await sleep(10);
      await expectDead(conn);
    });
  });

  describe('socket faults', () => {
    it('errors with network_error (inDoubt) when the server resets the connection mid-reply', async () => {
      h.script = async (peer) => {
        await peer.readFrame();
        peer.write(reply.subarray(0, 10));
        await sleep(20);
        peer.reset();
      };
      const conn = await h.connect();
      const error = expectAerospikeError((await outcome(h.transport.command$(conn, smallRequest(), 500))).error, 'network_error');
      expect(error.inDoubt).toBeTrue();
      await expectDead(conn);
    });

    it('delivers a reply that the server sends just before closing', async () => {
      h.script = async (peer) => {
        await peer.readFrame();
        peer.write(reply);
        peer.end();
      };
      const conn = await h.connect();
      // a generous deadline: the point is the order of data and FIN, not speed (seen flaky at 500 ms under load)
      const result = await outcome(h.transport.command$(conn, smallRequest(), 3000));
      expect(result.values).toEqual([record]);
      expect(result.completed).toBeTrue();
    });

    it('bounds a request that does not drain by connectTimeoutMs (timeout, inDoubt)', async () => {
      h.script = (peer) => void peer.socket.pause();
      const conn = await h.connect({ connectTimeoutMs: 100 });
      const huge = asMsgFrame(asMsgRecord({ fields: [{ type: 0, data: Buffer.alloc(32 * 1024 * 1024) }] }));
      const started = Date.now();
      const result = await outcome(h.transport.command$(conn, huge, 5000));
      const error = expectAerospikeError(result.error, 'timeout', 'did not drain');
      expect(error.inDoubt).toBeTrue();
      expect(Date.now() - started).toBeLessThan(2000);
      const peer = await h.peer();
      peer.socket.resume();
      // the peer first reads what sits in the socket buffers: seen past 1 s on an overloaded machine
      expect(await closedWithin(peer, 5000)).toBeTrue();
    });

    it('reads the reply once a large request has drained', async () => {
      const huge = asMsgFrame(asMsgRecord({ fields: [{ type: 0, data: Buffer.alloc(4 * 1024 * 1024, 1) }] }));
      h.script = async (peer) => {
        const req = await peer.readFrame();
        peer.write(req !== undefined && req.equals(huge) ? reply : asMsgFrame(lastRecord(99)));
      };
      const conn = await h.connect();
      const result = await outcome(h.transport.command$(conn, huge, 2000));
      expect(result.values).toEqual([record]);
    });
  });

  describe('close()', () => {
    it('ends an operation in flight with network_error', async () => {
      const conn = await h.connect();
      const pending = outcome(h.transport.stream$(conn, smallRequest(), 1000));
      await requestsSeen(await h.peer(), 1);
      h.transport.close(conn);
      const error = expectAerospikeError((await pending).error, 'network_error', 'closed by the client');
      expect(error.inDoubt).toBeTrue();
      expect(await closedWithin(await h.peer())).toBeTrue();
    });

    it('is idempotent and never throws, also for values that are not connections', async () => {
      const conn = await h.connect();
      h.transport.close(conn);
      expect(() => h.transport.close(conn)).not.toThrow();
      expect(() => h.transport.close({} as Connection)).not.toThrow();
      expect(() => h.transport.close(undefined as unknown as Connection)).not.toThrow();
      await expectDead(conn);
    });
  });

  describe('unsubscribing before the end', () => {
    it('while connecting (TLS handshake pending) closes the socket the server accepted', async () => {
      h.script = async () => undefined;
      const sub = h.transport.connect$(h.host, h.port, { tls: {} }).subscribe({ error: fail });
      const peer = await h.peer();
      await sleep(20);
      sub.unsubscribe();
      expect(await closedWithin(peer)).toBeTrue();
    });

    it('while connecting (TCP handshake pending) destroys the socket', async () => {
      const socket = new Socket();
      h.useTransport({ socketFactory: () => socket });
      const sub = h.transport.connect$(h.host, h.port).subscribe({ error: fail });
      await sleep(10);
      sub.unsubscribe();
      expect(socket.destroyed).toBeTrue();
    });

    const phases: Array<[string, (peer: Peer) => void, 'command$' | 'stream$' | 'commandStream$']> = [
      ['while waiting for the header', () => undefined, 'command$'],
      ['mid-header', (peer) => peer.write(reply.subarray(0, 4)), 'command$'],
      ['mid-body', (peer) => peer.write(reply.subarray(0, 14)), 'command$'],
      ['mid-stream', (peer) => peer.write(dataFrame, dataFrame), 'stream$'],
      ['mid-commandStream', (peer) => peer.write(dataFrame), 'commandStream$'],
    ];
    for (const [phase, write, method] of phases) {
      it(`${phase} (${method}) closes the socket the server sees and fails later operations`, async () => {
        let wrote!: () => void;
        const written = new Promise<void>((resolve) => (wrote = resolve));
        h.script = async (peer) => {
          await peer.readFrame();
          write(peer);
          wrote();
          await peer.readFrame();
        };
        const conn = await h.connect();
        const sub = h.transport[method](conn, smallRequest(), 1000).subscribe({ error: fail, complete: fail });
        await written;
        await sleep(20);
        sub.unsubscribe();
        expect(await closedWithin(await h.peer())).toBeTrue();
        await expectDead(conn);
      });
    }

    it('from inside the stream’s first frame handler (take(1)) closes the socket', async () => {
      h.script = async (peer) => {
        await peer.readFrame();
        peer.write(dataFrame, dataFrame, lastFrame.subarray(0, 5));
        await peer.readFrame();
      };
      const conn = await h.connect();
      const result = await outcome(h.transport.stream$(conn, smallRequest(), 1000).pipe(take(1)));
      expect(result.values).toEqual([dataFrame]);
      expect(result.completed).toBeTrue();
      expect(await closedWithin(await h.peer())).toBeTrue();
      await expectDead(conn);
    });

    it('after completion leaves the connection open', async () => {
      h.script = replies(reply);
      const conn = await h.connect();
      const result = await outcome(h.transport.command$(conn, smallRequest(), 200).pipe(take(1)));
      expect(result.values).toEqual([record]);
      expect(conn.isOpen).toBeTrue();
    });
  });

  describe('bytes from the server while no operation is in flight', () => {
    it('destroy the socket and fail later operations', async () => {
      h.script = async (peer) => {
        await sleep(20);
        peer.write(Buffer.from([2, 3, 0, 0]));
        await peer.readFrame();
      };
      const conn = await h.connect();
      expect(await closedWithin(await h.peer())).toBeTrue();
      await expectDead(conn);
    });

    it('destroy the socket when they trail a reply, which still completes', async () => {
      h.script = async (peer) => {
        await peer.readFrame();
        peer.write(Buffer.concat([reply, Buffer.from([2, 3, 0])]));
        await peer.readFrame();
      };
      const conn = await h.connect();
      expect((await outcome(h.transport.command$(conn, smallRequest(), 200))).values).toEqual([record]);
      expect(await closedWithin(await h.peer())).toBeTrue();
      await expectDead(conn);
    });
  });

  describe('inDoubt', () => {
    const cases: Array<[string, (peer: Peer) => void, string]> = [
      ['a timeout', () => undefined, 'timeout'],
      ['a parse_error', (peer) => peer.write(infoReplyFrame({})), 'parse_error'],
      ['the server closing', (peer) => peer.end(), 'network_error'],
    ];
    for (const [what, act, code] of cases) {
      it(`is true for ${what} after the request was written`, async () => {
        h.script = async (peer) => {
          await peer.readFrame();
          act(peer);
          await peer.readFrame();
        };
        const conn = await h.connect();
        const error = expectAerospikeError((await outcome(h.transport.command$(conn, smallRequest(), 80))).error, code);
        expect(error.inDoubt).toBeTrue();
      });
    }

    it('is false for connect errors', async () => {
      const socket = new Socket();
      h.useTransport({ socketFactory: () => socket });
      const result = await outcome(h.transport.connect$(h.host, h.port, { connectTimeoutMs: 30 }));
      expect(expectAerospikeError(result.error, 'timeout').inDoubt).toBeFalse();
    });
  });

  describe('node on errors', () => {
    it('is nodeName when given', async () => {
      const conn = await h.connect({ nodeName: 'BB9020011AC4202' });
      const error = expectAerospikeError((await outcome(h.transport.command$(conn, smallRequest(), 50))).error, 'timeout');
      expect(error.node).toBe('BB9020011AC4202');
    });

    it('is host:port otherwise', async () => {
      const conn = await h.connect();
      const error = expectAerospikeError((await outcome(h.transport.command$(conn, smallRequest(), 50))).error, 'timeout');
      expect(error.node).toBe(`127.0.0.1:${h.port}`);
      h.transport.close(conn);
      const dead = expectAerospikeError((await outcome(h.transport.info$(conn, ['build']))).error, 'network_error');
      expect(dead.node).toBe(`127.0.0.1:${h.port}`);
    });
  });

});
