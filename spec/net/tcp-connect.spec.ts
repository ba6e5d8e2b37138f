import { connect as netConnect, createServer, Socket } from 'node:net';
import { AerospikeError } from '../../lib/errors';
import type { ConnectConfig } from '../../lib/net/connect-config';
import type { ConnectOptions } from '../../lib/node-transport';
import { MessageType } from '../../lib/protocol/constants';
import { encodeFrame } from '../../lib/protocol/proto-header';
import { asMsgFrame, infoReplyFrame, lastRecord } from '../../lib/testing/frame-builders';
import { expectAerospikeError, outcome, replies, thrownBy, TransportHarness } from '../helpers/transport-harness';

/** A port nothing listens on: bound once, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('TcpTransport.connect$', () => {
  const h = new TransportHarness().install();

  it('emits one open connection and completes', async () => {
    const result = await outcome(h.transport.connect$(h.host, h.port));
    result.values.forEach((c) => h.track(c));
    expect(result.values.length).toBe(1);
    expect(result.completed).toBeTrue();
    expect(result.values[0]!.isOpen).toBeTrue();
  });

  it('errors with connection_error naming host:port when the connection is refused', async () => {
    const port = await freePort();
    const result = await outcome(h.transport.connect$('127.0.0.1', port, { nodeName: 'N1' }));
    const error = expectAerospikeError(result.error, 'connection_error', `failed to connect to 127.0.0.1:${port}`);
    expect(error.inDoubt).toBeFalse();
    expect(error.node).toBe('N1');
  });

  it('errors with timeout when the TCP handshake does not finish within connectTimeoutMs, and destroys the socket', async () => {
    const socket = new Socket(); // never connected: the handshake never ends
    h.useTransport({ socketFactory: () => socket });
    const started = Date.now();
    const result = await outcome(h.transport.connect$(h.host, h.port, { connectTimeoutMs: 80 }));
    const elapsed = Date.now() - started;
    const error = expectAerospikeError(result.error, 'timeout', `timed out connecting to 127.0.0.1:${h.port}`);
    expect(error.inDoubt).toBeFalse();
    expect(elapsed).toBeGreaterThanOrEqual(75);
    expect(elapsed).toBeLessThan(500);
    expect(socket.destroyed).toBeTrue();
  });

  it('waits out a connectTimeoutMs above the 2^31 ms a Node timer can hold instead of timing out at once', async () => {
    const socket = new Socket(); // never connected
    h.useTransport({ socketFactory: () => socket });
    let error: unknown;
    const subscription = h.transport.connect$(h.host, h.port, { connectTimeoutMs: 2 ** 32 }).subscribe({ error: (e) => (error = e) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(error).toBeUndefined();
    subscription.unsubscribe();
    expect(socket.destroyed).toBeTrue();
  });

  describe('TCP options', () => {
    /** A factory spying on the socket options set on each real loopback socket. */
    function spyingFactory(): { noDelay: jasmine.Spy; keepAlive: jasmine.Spy } {
      const spies = { noDelay: jasmine.createSpy('setNoDelay'), keepAlive: jasmine.createSpy('setKeepAlive') };
      h.useTransport({
        socketFactory: (config: ConnectConfig) => {
          const socket = netConnect({ host: config.host, port: config.port });
          const setNoDelay = socket.setNoDelay.bind(socket);
          const setKeepAlive = socket.setKeepAlive.bind(socket);
          socket.setNoDelay = (...args) => (spies.noDelay(...args), setNoDelay(...args));
          socket.setKeepAlive = (...args) => (spies.keepAlive(...args), setKeepAlive(...args));
          return socket;
        },
      });
      return spies;
    }

    it('sets TCP_NODELAY and SO_KEEPALIVE on by default', async () => {
      const spies = spyingFactory();
      await h.connect();
      expect(spies.noDelay).toHaveBeenCalledOnceWith(true);
      expect(spies.keepAlive.calls.mostRecent().args[0]).toBeTrue();
    });

    it('tcpNoDelay: false turns Nagle back on', async () => {
      const spies = spyingFactory();
      await h.connect({ tcpNoDelay: false });
      expect(spies.noDelay).toHaveBeenCalledOnceWith(false);
      expect(spies.keepAlive.calls.mostRecent().args[0]).toBeTrue();
    });

    it('tcpKeepAlive: false disables SO_KEEPALIVE', async () => {
      const spies = spyingFactory();
      await h.connect({ tcpKeepAlive: false });
      expect(spies.keepAlive.calls.mostRecent().args[0]).toBeFalse();
      expect(spies.noDelay).toHaveBeenCalledOnceWith(true);
    });
  });

  describe('option validation at call time', () => {
    const cases: Array<[string, ConnectOptions | undefined, typeof TypeError | typeof RangeError, string]> = [
      ['a non-boolean tcpNoDelay', { tcpNoDelay: 'yes' as unknown as boolean }, TypeError, 'tcpNoDelay'],
      ['a non-boolean tcpKeepAlive', { tcpKeepAlive: 1 as unknown as boolean }, TypeError, 'tcpKeepAlive'],
      ['a zero connectTimeoutMs', { connectTimeoutMs: 0 }, RangeError, 'connectTimeoutMs'],
      ['a NaN connectTimeoutMs', { connectTimeoutMs: NaN }, RangeError, 'connectTimeoutMs'],
      ['a string connectTimeoutMs', { connectTimeoutMs: '5' as unknown as number }, TypeError, 'connectTimeoutMs'],
      ['an infinite infoTimeoutMs', { infoTimeoutMs: Infinity }, RangeError, 'infoTimeoutMs'],
      ['a zero maxFrameBytes', { maxFrameBytes: 0 }, RangeError, 'maxFrameBytes'],
      ['a fractional maxFrameBytes', { maxFrameBytes: 1.5 }, TypeError, 'maxFrameBytes'],
      ['a numeric nodeName', { nodeName: 7 as unknown as string }, TypeError, 'nodeName'],
      ['a non-boolean pipeline', { pipeline: 'no' as unknown as boolean }, TypeError, 'pipeline'],
      ['options that are not an object', 5 as unknown as ConnectOptions, TypeError, 'options'],
    ];
    for (const [what, opts, type, name] of cases) {
      it(`throws ${type.name} naming ${name} for ${what}, opening nothing`, async () => {
        const error = thrownBy(() => h.transport.connect$(h.host, h.port, opts));
        expect(error).toBeInstanceOf(type);
        expect((error as Error).message).toContain(name);
        expect(error).not.toBeInstanceOf(AerospikeError);
      });
    }

    it('throws TypeError for an empty host and RangeError for port 0', () => {
      expect(thrownBy(() => h.transport.connect$('', h.port))).toBeInstanceOf(TypeError);
      expect(thrownBy(() => h.transport.connect$(h.host, 0))).toBeInstanceOf(RangeError);
    });

    it('ignores unknown option keys', async () => {
      const conn = await h.connect({ tcpSndbuf: 4096, somethingElse: true } as ConnectOptions);
      expect(conn.isOpen).toBeTrue();
    });
  });
});

describe('TcpTransport.info$', () => {
  const h = new TransportHarness().install();

  it('sends the names each followed by a newline and returns a null-prototype map', async () => {
    let request: Buffer | undefined;
    h.script = async (peer) => {
      request = await peer.readFrame();
      peer.write(infoReplyFrame({ build: '8.1.2.0', node: 'BB9' }));
    };
    const conn = await h.connect();
    const result = await outcome(h.transport.info$(conn, ['build', 'node']));
    expect(request).toEqual(encodeFrame(MessageType.INFO, Buffer.from('build\nnode\n')));
    expect(Object.getPrototypeOf(result.values[0])).toBeNull();
    expect({ ...result.values[0] }).toEqual({ build: '8.1.2.0', node: 'BB9' });
    expect(result.completed).toBeTrue();
  });

  it('sends an empty body for an empty list', async () => {
    let request: Buffer | undefined;
    h.script = async (peer) => {
      request = await peer.readFrame();
      peer.write(infoReplyFrame({}));
    };
    const conn = await h.connect();
    const result = await outcome(h.transport.info$(conn, []));
    expect(request).toEqual(encodeFrame(MessageType.INFO, Buffer.alloc(0)));
    expect({ ...result.values[0] }).toEqual({});
  });

  it('rejects a reply with proto version 3', async () => {
    const bad = infoReplyFrame({ build: '8' });
    bad[0] = 3;
    h.script = replies(bad);
    const conn = await h.connect();
    expectAerospikeError((await outcome(h.transport.info$(conn, ['build']))).error, 'parse_error', 'got 3');
  });

  it('rejects an as_msg-typed reply, naming expected [1] and got 3', async () => {
    h.script = replies(asMsgFrame(lastRecord()));
    const conn = await h.connect();
    expectAerospikeError((await outcome(h.transport.info$(conn, ['build']))).error, 'parse_error', 'expected [1], got 3');
  });

  it('bounds the reply read by infoTimeoutMs', async () => {
    const conn = await h.connect({ infoTimeoutMs: 60 });
    const started = Date.now();
    const error = expectAerospikeError((await outcome(h.transport.info$(conn, ['build']))).error, 'timeout', '60 ms');
    expect(Date.now() - started).toBeLessThan(500);
    expect(error.inDoubt).toBeTrue();
  });

  it('throws TypeError at call time for a name holding a newline or a non-array list', async () => {
    const conn = await h.connect();
    expect(thrownBy(() => h.transport.info$(conn, ['build\nnode']))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => h.transport.info$(conn, 'build' as unknown as string[]))).toBeInstanceOf(TypeError);
  });
});
