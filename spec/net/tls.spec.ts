import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { tlsConnectionOptions } from '../../lib/net/open-socket';
import { resolveConnectConfig } from '../../lib/net/connect-config';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { Connection, ConnectOptions, TlsOptions } from '../../lib/node-transport';
import { adminFrame, adminRecord, asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { hex } from '../helpers/capture-vectors';
import { activeHandles, LoopbackServer, sleep, type Peer, type Script } from '../helpers/loopback-server';
import { serverTlsOptions, tlsFixtures, TLS_NAME } from '../helpers/tls-fixtures';

const Z12 = '00'.repeat(12);
const V5_PKI_LOGIN = hex(`02 02 00 00 00 00 00 10 00 00 14 00 ${Z12}`);
const V5_INTERNAL = hex(`
  02 02 00 00 00 00 00 5b  00 00 14 02 ${Z12}
  00 00 00 06 00 61 64 6d 69 6e
  00 00 00 3d 03 24 32 61 24 31 30 24 37 45 71 4a 74 71 39 38 68 50 71 45 58 37
  66 4e 5a 61 46 57 6f 4f 31 6d 56 4f 2f 34 4d 4c 70 47 7a 73 71 6f 6a 7a 36 45
  39 47 65 66 36 69 58 44 6a 58 64 44 61`);
const LOGIN_OK = adminFrame(adminRecord({ fields: [{ type: 5, data: 'tok' }] }));

const request = (generation = 0): Buffer => asMsgFrame(asMsgRecord({ info1: 1, generation }));
const recordFrame = (generation: number): Buffer => asMsgFrame(asMsgRecord({ generation }));
const LAST = asMsgFrame(lastRecord());

interface Outcome<T> {
  readonly values: T[];
  readonly error?: unknown;
}

function outcome<T>(source: Observable<T>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const values: T[] = [];
    source.subscribe({ next: (v) => values.push(v), error: (error: unknown) => resolve({ values, error }), complete: () => resolve({ values }) });
  });
}

function asError(err: unknown): AerospikeError {
  expect(err).toBeInstanceOf(AerospikeError);
  return err as AerospikeError;
}

async function closedWithin(peer: Peer, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([peer.closed.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Answers every request with `reply` (one frame, or several written back to back). */
const answerEach =
  (...reply: Buffer[]): Script =>
  async (peer) => {
    for (;;) {
      const frame = await peer.readFrame();
      if (frame === undefined) return;
      peer.write(...reply);
    }
  };

describe('TLS over the loopback TLS server', () => {
  let servers: LoopbackServer[] = [];
  let transport: TcpTransport;
  let baseline: Record<string, number>;
  const trusted: TlsOptions = { ca: tlsFixtures.ca };
  const clientCert: TlsOptions = { ca: tlsFixtures.ca, cert: tlsFixtures.clientCert, key: tlsFixtures.clientKey };

  beforeAll(() => {
    baseline = activeHandles();
  });
  beforeEach(() => {
    transport = new TcpTransport();
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
  });
  afterAll(async () => {
    let extra: Record<string, number> = {};
    for (let i = 0; i < 50; i++) {
      extra = Object.fromEntries(Object.entries(activeHandles()).filter(([type, n]) => n > (baseline[type] ?? 0)));
      if (Object.keys(extra).length === 0) break;
      await sleep(20);
    }
    expect(extra).toEqual({});
  });

  async function tlsServer(script: Script, mtls = false): Promise<LoopbackServer> {
    const server = await LoopbackServer.start(script, serverTlsOptions(mtls));
    servers.push(server);
    return server;
  }

  /** A plain TCP server (no TLS at all): it accepts and then does whatever the script says. */
  async function plainServer(script: Script): Promise<LoopbackServer> {
    const server = await LoopbackServer.start(script);
    servers.push(server);
    return server;
  }

  const connect = (server: LoopbackServer, opts: ConnectOptions, t = transport): Promise<Outcome<Connection>> => outcome(t.connect$(server.host, server.port, opts));
  const open = (server: LoopbackServer, opts: ConnectOptions): Promise<Connection> => firstValueFrom(transport.connect$(server.host, server.port, opts));
  const serverSocket = async (server: LoopbackServer): Promise<TLSSocket> => (await server.peer(0)).socket as TLSSocket;

  describe('server verification', () => {
    it('connects to 127.0.0.1 with the test CA and servername aerospike-test, sending it as SNI', async () => {
      const server = await tlsServer(answerEach(LAST));
      const conn = await open(server, { tls: { ...trusted, servername: TLS_NAME } });
      expect((await serverSocket(server)).servername).toBe(TLS_NAME);
      expect((await firstValueFrom(transport.command$(conn, request(), 1000))).equals(lastRecord())).toBeTrue();
      transport.close(conn);
    });

    it('defaults servername to the host: the IP SAN 127.0.0.1 matches and no SNI is sent for an IP', async () => {
      const server = await tlsServer(answerEach(LAST));
      const conn = await open(server, { tls: trusted });
      expect((await serverSocket(server)).servername).toBeFalsy();
      transport.close(conn);
    });

    it('fails with connection_error naming host:port and the reason when the CA is unknown', async () => {
      const server = await tlsServer(answerEach(LAST));
      const { values, error } = await connect(server, { tls: { ca: tlsFixtures.otherCa, servername: TLS_NAME } });
      expect(values).toEqual([]);
      const err = asError(error);
      expect(err.code).toBe('connection_error');
      expect(err.message).toContain(`127.0.0.1:${server.port}`);
      expect(err.message).toMatch(/TLS handshake failed .*(unable to get local issuer certificate|self[- ]signed)/i);
      expect(err.inDoubt).toBeFalse();
    });

    it('fails with connection_error when the servername does not match the certificate', async () => {
      const server = await tlsServer(answerEach(LAST));
      const { values, error } = await connect(server, { tls: { ...trusted, servername: 'wrong-name' } });
      expect(values).toEqual([]);
      const err = asError(error);
      expect(err.code).toBe('connection_error');
      expect(err.message).toContain(`127.0.0.1:${server.port}`);
      expect(err.message).toMatch(/wrong-name.*altnames|altnames.*wrong-name/);
    });

    it('fails with connection_error when an explicit IP servername is not in the certificate', async () => {
      const server = await tlsServer(answerEach(LAST));
      const { error } = await connect(server, { tls: { ...trusted, servername: '10.9.8.7' } });
      expect(asError(error).code).toBe('connection_error');
      expect(asError(error).message).toMatch(/10\.9\.8\.7/);
    });

    describe('servername: null (host "not-in-cert", dialled at 127.0.0.1)', () => {
      // The factory keeps every TLS option the transport computes and only redirects the dial, so the
      // host the name check would use is one the certificate does not name.
      const redirected = new TcpTransport({
        socketFactory: (config) => tlsConnect({ ...tlsConnectionOptions(config), host: '127.0.0.1' }),
      });

      it('would fail the name check by default (the host is the tls-name, sent as SNI)', async () => {
        const sni: string[] = [];
        const server = await LoopbackServer.start(answerEach(LAST), {
          ...serverTlsOptions(),
          // records the SNI of handshakes the client then rejects (no peer is ever accepted for those)
          SNICallback: (name, done) => {
            sni.push(name);
            done(null, undefined);
          },
        });
        servers.push(server);
        const { error } = await outcome(redirected.connect$('not-in-cert', server.port, { tls: trusted }));
        expect(asError(error).code).toBe('connection_error');
        expect(asError(error).message).toMatch(/not-in-cert/);
        expect(sni).toEqual(['not-in-cert']);
      });

      it('skips the name check and sends no SNI', async () => {
        const server = await tlsServer(answerEach(LAST));
        const conn = await firstValueFrom(redirected.connect$('not-in-cert', server.port, { tls: { ...trusted, servername: null } }));
        expect((await serverSocket(server)).servername).toBeFalsy();
        expect((await firstValueFrom(redirected.command$(conn, request(), 1000))).equals(lastRecord())).toBeTrue();
        redirected.close(conn);
      });

      it('still verifies the chain: an unknown CA fails', async () => {
        const server = await tlsServer(answerEach(LAST));
        const { error } = await outcome(redirected.connect$('not-in-cert', server.port, { tls: { ca: tlsFixtures.otherCa, servername: null } }));
        expect(asError(error).code).toBe('connection_error');
      });
    });

    it('computes node:tls options by the tls-name rules (SNI only for a DNS name)', () => {
      const options = (host: string, tls: TlsOptions) => tlsConnectionOptions(resolveConnectConfig(host, 3000, { tls }));
      expect(options('127.0.0.1', {}).servername).toBeUndefined();
      expect(options('127.0.0.1', { servername: TLS_NAME }).servername).toBe(TLS_NAME);
      expect(options('node-a', {}).servername).toBe('node-a');
      expect(options('node-a', { servername: '10.0.0.1' }).servername).toBeUndefined();
      expect(options('node-a', { servername: null }).servername).toBeUndefined();
      expect(options('::1', {}).servername).toBeUndefined();
    });

    it("keeps a caller's checkServerIdentity, called with the tls-name, and fails with connection_error when it rejects", async () => {
      const server = await tlsServer(answerEach(LAST));
      const names: string[] = [];
      const pinned = (name: string, cert: { fingerprint256: string }): Error | undefined => {
        names.push(name);
        return cert.fingerprint256 === 'AB:CD' ? undefined : new Error(`certificate of ${name} is not the pinned one`);
      };
      const { error } = await connect(server, { tls: { ...trusted, checkServerIdentity: pinned } });
      expect(names).toEqual(['127.0.0.1']);
      expect(asError(error).code).toBe('connection_error');
      expect(asError(error).message).toMatch(/127\.0\.0\.1 is not the pinned one/);
    });

    it('throws a TypeError at call time when the client key does not match its certificate', async () => {
      const server = await tlsServer(answerEach(LAST));
      expect(() => transport.connect$(server.host, server.port, { tls: { ...trusted, cert: tlsFixtures.clientCert, key: tlsFixtures.serverKey } })).toThrowError(
        TypeError,
        /^tls options .* cannot make a TLS context: key values mismatch/,
      );
      expect(() => transport.connect$(server.host, server.port, { tls: { ...trusted, cert: 'not a pem' } })).toThrowError(TypeError, /no start line/);
      await sleep(10);
      expect(server.peers.length).toBe(0);
    });

    it('with rejectUnauthorized: false connects despite an unknown CA and emits exactly one process warning', async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void warnings.push(w);
      process.on('warning', onWarning);
      try {
        const server = await tlsServer(answerEach(LAST));
        const insecure = { tls: { ca: tlsFixtures.otherCa, servername: TLS_NAME, rejectUnauthorized: false } };
        const a = await open(server, insecure);
        const b = await open(server, insecure);
        expect((await firstValueFrom(transport.command$(a, request(), 1000))).equals(lastRecord())).toBeTrue();
        await sleep(20);
        expect(warnings.length).toBe(1);
        expect(warnings[0]!.message).toMatch(/rejectUnauthorized: false/);
        transport.close(a);
        transport.close(b);
      } finally {
        process.off('warning', onWarning);
      }
    });
  });

  describe('client certificates (mTLS)', () => {
    it('succeeds when the server requires a client certificate and one is given', async () => {
      const server = await tlsServer(answerEach(LAST), true);
      const conn = await open(server, { tls: { ...clientCert, servername: TLS_NAME } });
      const socket = await serverSocket(server);
      expect(socket.authorized).toBeTrue();
      expect(socket.getPeerCertificate().subject.CN).toBe('pki-user');
      expect((await firstValueFrom(transport.command$(conn, request(), 1000))).equals(lastRecord())).toBeTrue();
      transport.close(conn);
    });

    it('keeps the client key out of util.inspect of the connection, even with customInspect off', async () => {
      const server = await tlsServer(answerEach(LAST), true);
      const conn = await open(server, { tls: { ...clientCert, servername: TLS_NAME } });
      const keyBody = tlsFixtures.clientKey.split('\n')[1]!;
      for (const text of [inspect(conn), inspect(conn, { customInspect: false, depth: Infinity }), JSON.stringify(conn)]) {
        expect(text.includes(keyBody)).withContext(text.slice(0, 200)).toBeFalse();
      }
      transport.close(conn);
    });

    it('fails with connection_error without a client certificate under TLS 1.2 (the alert is part of the handshake)', async () => {
      const server = await tlsServer(answerEach(LAST), true);
      const { values, error } = await connect(server, { tls: { ...trusted, maxVersion: 'TLSv1.2' } });
      expect(values).toEqual([]);
      expect(asError(error).code).toBe('connection_error');
      // the reason is OpenSSL's, without its internal dump (addresses, source file and line)
      expect(asError(error).message).toMatch(
        /^TLS handshake failed connecting to 127\.0\.0\.1:\d+: sslv3 alert handshake failure \(ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE, TLS alert 40\)$/,
      );
    });

    it('under TLS 1.3 emits the connection, and the missing certificate surfaces on the first operation as network_error', async () => {
      // TLS 1.3: the client's handshake is done before the server has checked its (empty) certificate;
      // the server's "certificate required" alert arrives afterwards and kills the socket.
      const server = await tlsServer(answerEach(LAST), true);
      const { values, error } = await connect(server, { tls: { ...trusted, minVersion: 'TLSv1.3' } });
      expect(error).toBeUndefined();
      expect(values.length).toBe(1);
      const first = await outcome(transport.command$(values[0]!, request(), 1000));
      expect(asError(first.error).code).toBe('network_error');
      expect(asError(first.error).message).toMatch(/certificate required/);
      expect(values[0]!.isOpen).toBeFalse();
    });

    it('under TLS 1.3 a connect-time login meets the alert instead: connect$ fails with network_error', async () => {
      const server = await tlsServer(answerEach(LOGIN_OK), true);
      const { values, error } = await connect(server, { user: 'admin', password: 'admin', tls: { ...trusted, minVersion: 'TLSv1.3' } });
      expect(values).toEqual([]);
      expect(asError(error).code).toBe('network_error');
      expect(asError(error).message).toMatch(/tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED, TLS alert 116\)/);
    });
  });

  describe('login over TLS', () => {
    function loginServer(expected: Buffer, seen: Buffer[], mtls: boolean): Promise<LoopbackServer> {
      return tlsServer(async (peer) => {
        const login = await peer.readFrame();
        if (login === undefined) return;
        seen.push(login);
        // PKI: the server takes the user from the certificate it verified in the handshake
        if (!login.equals(expected)) return peer.reset();
        peer.write(LOGIN_OK);
        await answerEach(LAST)(peer);
      }, mtls);
    }

    it('PKI: sends the empty LOGIN right after the handshake, then the connection serves commands', async () => {
      const seen: Buffer[] = [];
      const server = await loginServer(V5_PKI_LOGIN, seen, true);
      const conn = await open(server, { authMode: 'pki', tls: { ...clientCert, servername: TLS_NAME } });
      expect(seen.map((f) => f.toString('hex'))).toEqual([V5_PKI_LOGIN.toString('hex')]);
      expect((await serverSocket(server)).getPeerCertificate().subject.CN).toBe('pki-user');
      expect((await firstValueFrom(transport.command$(conn, request(), 1000))).equals(lastRecord())).toBeTrue();
      transport.close(conn);
    });

    it('password: sends the internal LOGIN (V5) over TLS before emitting the connection', async () => {
      const seen: Buffer[] = [];
      const server = await loginServer(V5_INTERNAL, seen, false);
      const conn = await open(server, { user: 'admin', password: 'admin', tls: trusted });
      expect(seen.map((f) => f.toString('hex'))).toEqual([V5_INTERNAL.toString('hex')]);
      expect((await firstValueFrom(transport.command$(conn, request(), 1000))).equals(lastRecord())).toBeTrue();
      transport.close(conn);
    });

    it('login$ runs one round trip on a TLS connection', async () => {
      const seen: Buffer[] = [];
      const server = await loginServer(V5_INTERNAL, seen, false);
      const conn = await open(server, { tls: trusted });
      expect(await firstValueFrom(transport.login$(conn, { user: 'admin', password: 'admin' }))).toEqual({ kind: 'session', token: Buffer.from('tok') });
      transport.close(conn);
    });
  });

  describe('operations over TLS behave as over TCP', () => {
    it('command$ reassembles a reply split inside its header', async () => {
      const server = await tlsServer(async (peer) => {
        await peer.readFrame();
        await peer.drip(recordFrame(3), 5, 2);
      });
      const conn = await open(server, { tls: trusted });
      const body = await firstValueFrom(transport.command$(conn, request(), 1000));
      expect(body.equals(asMsgRecord({ generation: 3 }))).toBeTrue();
      transport.close(conn);
    });

    it('commandCall lends a borrowing sink each reply from the TLS read buffer, byte for byte', async () => {
      const server = await tlsServer(async (peer) => {
        for (let generation = 1; ; generation++) {
          if ((await peer.readFrame()) === undefined) return;
          // whole replies (lent from the read buffer) and one in 7-byte pieces (assembled)
          if (generation === 2) await peer.drip(recordFrame(generation), 7, 1);
          else peer.write(recordFrame(generation));
        }
      });
      const conn = await open(server, { tls: trusted });
      const copies: Buffer[] = [];
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) =>
          transport.commandCall(conn, request(), 1000, undefined, { borrowsBody: true, reply: (body) => (copies.push(Buffer.from(body)), resolve()), fail: reject }),
        );
      }
      expect(copies).toEqual([1, 2, 3].map((generation) => asMsgRecord({ generation })));
      transport.close(conn);
    });

    it('commandStream$ concatenates the bodies up to the LAST record and leaves the connection reusable', async () => {
      const server = await tlsServer(async (peer) => {
        await peer.readFrame();
        await peer.drip(Buffer.concat([recordFrame(1), recordFrame(2), LAST]), 11, 1);
        await answerEach(LAST)(peer);
      });
      const conn = await open(server, { tls: trusted });
      const all = await firstValueFrom(transport.commandStream$(conn, request(), 1000));
      expect(all.equals(Buffer.concat([asMsgRecord({ generation: 1 }), asMsgRecord({ generation: 2 }), lastRecord()]))).toBeTrue();
      expect((await firstValueFrom(transport.command$(conn, request(), 1000))).equals(lastRecord())).toBeTrue();
      transport.close(conn);
    });

    it('stream$ emits each whole frame, the terminal one last, and completes', async () => {
      const server = await tlsServer(async (peer) => {
        await peer.readFrame();
        peer.write(recordFrame(1));
        await sleep(5);
        peer.write(recordFrame(2), LAST);
      });
      const conn = await open(server, { tls: trusted });
      const frames = await lastValueFrom(transport.stream$(conn, request(), 1000).pipe(toArray()));
      expect(frames.map((f) => f.toString('hex'))).toEqual([recordFrame(1), recordFrame(2), LAST].map((f) => f.toString('hex')));
      expect(conn.isOpen).toBeTrue();
      transport.close(conn);
    });

    it('unsubscribing from stream$ before the end destroys the TLS socket (the server sees the close)', async () => {
      const server = await tlsServer(async (peer) => {
        await peer.readFrame();
        peer.write(recordFrame(1));
      });
      const conn = await open(server, { tls: trusted });
      const got: Buffer[] = [];
      const sub = transport.stream$(conn, request(), 5000).subscribe({ next: (f) => got.push(f), error: fail });
      while (got.length === 0) await sleep(2);
      sub.unsubscribe();
      expect(conn.isOpen).toBeFalse();
      expect(await closedWithin(await server.peer(0), 1000)).toBeTrue();
      const later = await outcome(transport.command$(conn, request(), 100));
      expect(asError(later.error).code).toBe('network_error');
    });

    it('a stalled stream$ over TLS fails with timeout after the read deadline', async () => {
      const server = await tlsServer(async (peer) => {
        await peer.readFrame();
        peer.write(recordFrame(1));
      });
      const conn = await open(server, { tls: trusted });
      const { values, error } = await outcome(transport.stream$(conn, request(), 80));
      expect(values.length).toBe(1);
      expect(asError(error).code).toBe('timeout');
      expect(await closedWithin(await server.peer(0), 1000)).toBeTrue();
    });
  });

  describe('handshake failures and deadlines', () => {
    it('fails with timeout within connectTimeoutMs when the server never answers the ClientHello', async () => {
      const server = await plainServer(async (peer) => void (await peer.readFrame()));
      const started = Date.now();
      const { values, error } = await connect(server, { connectTimeoutMs: 150, tls: trusted });
      const elapsed = Date.now() - started;
      expect(values).toEqual([]);
      expect(asError(error).code).toBe('timeout');
      expect(asError(error).message).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ after 150 ms/);
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(1500);
      expect(await closedWithin(await server.peer(0), 1000)).toBeTrue();
    });

    it('fails with connection_error when the server resets the connection during the handshake', async () => {
      const server = await plainServer(async (peer) => {
        while (peer.received.length === 0) await sleep(1);
        peer.reset();
      });
      const { values, error } = await connect(server, { tls: trusted });
      expect(values).toEqual([]);
      expect(asError(error).code).toBe('connection_error');
      expect(asError(error).message).toContain(`127.0.0.1:${server.port}`);
    });

    it('fails with connection_error when the server closes cleanly during the handshake', async () => {
      const server = await plainServer(async (peer) => {
        while (peer.received.length === 0) await sleep(1);
        peer.end();
      });
      const { error } = await connect(server, { tls: trusted });
      expect(asError(error).code).toBe('connection_error');
    });

    it('fails with connection_error when the server answers the ClientHello with garbage', async () => {
      const server = await plainServer(async (peer) => {
        while (peer.received.length === 0) await sleep(1);
        peer.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
      });
      const { error } = await connect(server, { tls: trusted });
      expect(asError(error).code).toBe('connection_error');
      expect(asError(error).message).toMatch(/TLS handshake failed .*: wrong version number \(ERR_SSL_WRONG_VERSION_NUMBER\)$/);
    });

    it('fails with connection_error when the TCP connect is refused on the TLS path', async () => {
      const gone = await LoopbackServer.start(() => undefined);
      const port = gone.port;
      await gone.stop();
      const { error } = await outcome(transport.connect$('127.0.0.1', port, { tls: trusted }));
      expect(asError(error).code).toBe('connection_error');
      expect(asError(error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    });

    it('destroys the socket when unsubscribed during the handshake', async () => {
      const server = await plainServer(async (peer) => void (await peer.readFrame()));
      const sub = transport.connect$(server.host, server.port, { tls: trusted }).subscribe({ error: fail });
      const peer = await server.peer(0);
      while (peer.received.length === 0) await sleep(1);
      sub.unsubscribe();
      expect(await closedWithin(peer, 1000)).toBeTrue();
    });
  });
});
