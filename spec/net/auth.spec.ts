import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { firstValueFrom, type Observable } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { Connection, ConnectOptions, LoginOptions } from '../../lib/node-transport';
import { hashPassword } from '../../lib/protocol/password-hash';
import { channels } from '../../lib/telemetry';
import { adminFrame, adminRecord, asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { hex } from '../helpers/capture-vectors';
import { activeHandles, LoopbackServer, sleep, type Peer } from '../helpers/loopback-server';
import { serverTlsOptions, tlsFixtures, TLS_NAME } from '../helpers/tls-fixtures';

const Z12 = '00'.repeat(12);

// protocol.md §8 V5, byte for byte.
const V5_INTERNAL = hex(`
  02 02 00 00 00 00 00 5b  00 00 14 02 ${Z12}
  00 00 00 06 00 61 64 6d 69 6e
  00 00 00 3d 03 24 32 61 24 31 30 24 37 45 71 4a 74 71 39 38 68 50 71 45 58 37
  66 4e 5a 61 46 57 6f 4f 31 6d 56 4f 2f 34 4d 4c 70 47 7a 73 71 6f 6a 7a 36 45
  39 47 65 66 36 69 58 44 6a 58 64 44 61`);
const V5_EXTERNAL = (() => {
  const frame = Buffer.concat([V5_INTERNAL, hex('00 00 00 06 04 61 64 6d 69 6e')]);
  frame[7] = 0x65;
  frame[11] = 3;
  return frame;
})();
const V5_PKI_LOGIN = hex(`02 02 00 00 00 00 00 10 00 00 14 00 ${Z12}`);
const V5_AUTHENTICATE = hex(`02 02 00 00 00 00 00 22 00 00 00 02 ${Z12} 00 00 00 06 00 61 64 6d 69 6e 00 00 00 04 05 74 6f 6b`);
const PKI_AUTHENTICATE = hex(`02 02 00 00 00 00 00 18 00 00 00 01 ${Z12} 00 00 00 04 05 74 6f 6b`);
const V5_REPLY_TOKEN_TTL = hex(`02 02 00 00 00 00 00 21 00 00 00 02 ${Z12} 00 00 00 04 05 74 6f 6b 00 00 00 05 06 00 01 51 80`);
const V5_REPLY_SECURITY_NOT_ENABLED = hex(`02 02 00 00 00 00 00 10 00 34 ${'00'.repeat(14)}`);
const V5_REPLY_EXPIRED_SESSION = hex(`02 02 00 00 00 00 00 10 00 42 ${'00'.repeat(14)}`);
const REPLY_OK = adminFrame(adminRecord());
const refusal = (resultCode: number): Buffer => adminFrame(adminRecord({ resultCode }));
const TOKEN = Buffer.from('tok');

const ADMIN: LoginOptions = { user: 'admin', password: 'admin' };

/** One request the server expects (checked byte for byte unless `expect` is absent) and its reply (none = stall). */
interface Step {
  readonly expect?: Buffer;
  readonly reply?: Buffer;
}

interface Scripted {
  readonly server: LoopbackServer;
  /** Every frame the server read, in order, across all peers. */
  readonly received: Buffer[];
  /** Requests that did not match their step (the server reset the socket on them). */
  readonly mismatches: string[];
}

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

/** True when the server side of `peer` closes within `ms` (the timer is cleared either way). */
async function closedWithin(peer: Peer, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([peer.closed.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Handle types (sockets, servers, TLS, timers) of which more are open now than at `baseline`. */
async function leaksSince(baseline: Record<string, number>): Promise<Record<string, number>> {
  let extra: Record<string, number> = {};
  for (let i = 0; i < 50; i++) {
    const now = activeHandles();
    extra = Object.fromEntries(Object.entries(now).filter(([type, n]) => n > (baseline[type] ?? 0)));
    if (Object.keys(extra).length === 0) break;
    await sleep(20);
  }
  return extra;
}

function describeError(err: unknown): AerospikeError {
  expect(err).toBeInstanceOf(AerospikeError);
  return err as AerospikeError;
}

describe('authentication over the loopback admin-protocol server', () => {
  let servers: LoopbackServer[] = [];
  let transport: TcpTransport;
  let baseline: Record<string, number>;

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
    // Nothing may outlive the specs: sockets, servers and timers all closed.
    expect(await leaksSince(baseline)).toEqual({});
  });

  async function serve(steps: readonly Step[], tls?: Parameters<typeof LoopbackServer.start>[1]): Promise<Scripted> {
    const received: Buffer[] = [];
    const mismatches: string[] = [];
    const server = await LoopbackServer.start(async (peer) => {
      for (const step of steps) {
        const frame = await peer.readFrame();
        if (frame === undefined) return;
        received.push(frame);
        if (step.expect !== undefined && !frame.equals(step.expect)) {
          mismatches.push(`expected ${step.expect.toString('hex')}\n     got ${frame.toString('hex')}`);
          peer.reset();
          return;
        }
        if (step.reply !== undefined) peer.write(step.reply);
      }
    }, tls);
    servers.push(server);
    return { server, received, mismatches };
  }

  const pkiTls = { ca: tlsFixtures.ca, cert: tlsFixtures.clientCert, key: tlsFixtures.clientKey, servername: TLS_NAME };
  const connect = (s: Scripted, opts?: ConnectOptions): Promise<Outcome<Connection>> => outcome(transport.connect$(s.server.host, s.server.port, opts));
  const openPlain = (s: Scripted, opts?: ConnectOptions): Promise<Connection> => firstValueFrom(transport.connect$(s.server.host, s.server.port, opts));

  describe('connect$ (connect-time login)', () => {
    it('sends the internal LOGIN of V5 (USER, bcrypt CREDENTIAL) and emits the connection after result 0', async () => {
      const s = await serve([{ expect: V5_INTERNAL, reply: V5_REPLY_TOKEN_TTL }]);
      const { values, error } = await connect(s, ADMIN);
      expect(error).toBeUndefined();
      expect(s.mismatches).toEqual([]);
      expect(values.length).toBe(1);
      expect(values[0]!.isOpen).toBeTrue();
      transport.close(values[0]!);
    });

    it('sends the external LOGIN of V5 (adds CLEAR_PASSWORD) when allowInsecureExternalAuth is set', async () => {
      const s = await serve([{ expect: V5_EXTERNAL, reply: V5_REPLY_TOKEN_TTL }]);
      const { values, error } = await connect(s, { ...ADMIN, authMode: 'external', allowInsecureExternalAuth: true });
      expect(error).toBeUndefined();
      expect(s.mismatches).toEqual([]);
      transport.close(values[0]!);
    });

    it('sends AUTHENTICATE (USER, SESSION_TOKEN) of V5 for user + token and emits the connection after result 0', async () => {
      const s = await serve([{ expect: V5_AUTHENTICATE, reply: REPLY_OK }]);
      const { values, error } = await connect(s, { user: 'admin', sessionToken: TOKEN });
      expect(error).toBeUndefined();
      expect(s.mismatches).toEqual([]);
      expect(s.received.length).toBe(1);
      transport.close(values[0]!);
    });

    it('sends the empty PKI LOGIN of V5 after the TLS handshake', async () => {
      const s = await serve([{ expect: V5_PKI_LOGIN, reply: V5_REPLY_TOKEN_TTL }], serverTlsOptions(true));
      const { values, error } = await connect(s, { authMode: 'pki', tls: pkiTls });
      expect(error).toBeUndefined();
      expect(s.mismatches).toEqual([]);
      transport.close(values[0]!);
    });

    it('sends a PKI AUTHENTICATE (SESSION_TOKEN only), then an empty LOGIN on the same socket when the token expired (66)', async () => {
      const s = await serve(
        [
          { expect: PKI_AUTHENTICATE, reply: V5_REPLY_EXPIRED_SESSION },
          { expect: V5_PKI_LOGIN, reply: V5_REPLY_TOKEN_TTL },
        ],
        serverTlsOptions(true),
      );
      const { values, error } = await connect(s, { authMode: 'pki', sessionToken: TOKEN, tls: pkiTls });
      expect(error).toBeUndefined();
      expect(s.mismatches).toEqual([]);
      expect(s.server.peers.length).toBe(1);
      transport.close(values[0]!);
    });

    it('falls back from an expired token (66) to a password LOGIN on the same socket, then serves command$ on it', async () => {
      const request = asMsgFrame(asMsgRecord({ info1: 1, generation: 7 }));
      const s = await serve([
        { expect: V5_AUTHENTICATE, reply: V5_REPLY_EXPIRED_SESSION },
        { expect: V5_INTERNAL, reply: V5_REPLY_TOKEN_TTL },
        { expect: request, reply: asMsgFrame(lastRecord()) },
      ]);
      const { values, error } = await connect(s, { ...ADMIN, sessionToken: TOKEN });
      expect(error).toBeUndefined();
      const conn = values[0]!;
      const body = await firstValueFrom(transport.command$(conn, request, 1000));
      expect(body.equals(lastRecord())).toBeTrue();
      expect(s.mismatches).toEqual([]);
      expect(s.server.peers.length).toBe(1);
      expect(s.received.length).toBe(3);
      expect(conn.isOpen).toBeTrue();
      transport.close(conn);
    });

    it('fails with expired_session and closes the socket when the token expired and no password is known', async () => {
      const s = await serve([{ expect: V5_AUTHENTICATE, reply: V5_REPLY_EXPIRED_SESSION }, {}]);
      const { values, error } = await connect(s, { user: 'admin', sessionToken: TOKEN });
      expect(values).toEqual([]);
      expect(describeError(error).code).toBe('expired_session');
      expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
      expect(s.received.length).toBe(1);
    });

    it('does not fall back on a refusal other than expired_session', async () => {
      const s = await serve([{ expect: V5_AUTHENTICATE, reply: refusal(65) }, {}]);
      const { error } = await connect(s, { ...ADMIN, sessionToken: TOKEN });
      expect(describeError(error).code).toBe('invalid_credential');
      expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
      expect(s.received.length).toBe(1);
    });

    it('treats result 52 (security not enabled) as success and leaves the connection usable', async () => {
      const request = asMsgFrame(asMsgRecord({ info1: 1 }));
      const s = await serve([
        { expect: V5_INTERNAL, reply: V5_REPLY_SECURITY_NOT_ENABLED },
        { expect: request, reply: asMsgFrame(lastRecord()) },
      ]);
      const { values, error } = await connect(s, ADMIN);
      expect(error).toBeUndefined();
      expect((await firstValueFrom(transport.command$(values[0]!, request, 1000))).equals(lastRecord())).toBeTrue();
      transport.close(values[0]!);
    });

    it('sends nothing and emits at once when no credentials are given', async () => {
      const s = await serve([{ reply: asMsgFrame(lastRecord()) }]);
      const { values, error } = await connect(s);
      expect(error).toBeUndefined();
      await sleep(20);
      expect(s.received).toEqual([]);
      transport.close(values[0]!);
    });

    const refusals: ReadonlyArray<[number, string, RegExp]> = [
      [65, 'invalid_credential', /invalid_credential \(result code 65\)/],
      [60, 'invalid_user', /invalid_user \(result code 60\)/],
      [80, 'not_authenticated', /not_authenticated \(result code 80\)/],
      [240, 'server_error', /unknown result code 240/],
    ];
    for (const [resultCode, code, message] of refusals) {
      it(`fails with ${code} on result ${resultCode}, destroys the socket and never emits the connection`, async () => {
        const s = await serve([{ expect: V5_INTERNAL, reply: refusal(resultCode) }, {}]);
        const { values, error } = await connect(s, { ...ADMIN, nodeName: 'n1' });
        expect(values).toEqual([]);
        const err = describeError(error);
        expect(err.code).toBe(code as AerospikeError['code']);
        expect(err.resultCode).toBe(resultCode);
        expect(err.message).toMatch(message);
        expect(err.node).toBe('n1');
        expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
      });
    }

    it('fails with parse_error when the reply fields are truncated', async () => {
      // field declares 9 bytes (8 of data), 3 follow
      const truncated = hex(`02 02 00 00 00 00 00 18 00 00 00 01 ${Z12} 00 00 00 09 05 74 6f 6b`);
      const s = await serve([{ expect: V5_INTERNAL, reply: truncated }, {}]);
      const { values, error } = await connect(s, ADMIN);
      expect(values).toEqual([]);
      expect(describeError(error).code).toBe('parse_error');
      expect(describeError(error).message).toMatch(/malformed admin-protocol login fields/);
      expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
    });

    it('fails with parse_error when the reply declares more fields than it holds', async () => {
      const short = hex(`02 02 00 00 00 00 00 18 00 00 00 02 ${Z12} 00 00 00 04 05 74 6f 6b`);
      const s = await serve([{ expect: V5_INTERNAL, reply: short }, {}]);
      const { error } = await connect(s, ADMIN);
      expect(describeError(error).code).toBe('parse_error');
    });

    it('fails with parse_error when the login reply is not an admin frame (type 3)', async () => {
      const s = await serve([{ expect: V5_INTERNAL, reply: asMsgFrame(lastRecord()) }, {}]);
      const { values, error } = await connect(s, ADMIN);
      expect(values).toEqual([]);
      expect(describeError(error).code).toBe('parse_error');
      expect(describeError(error).message).toMatch(/expected \[2\], got 3/);
      expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
    });

    it('fails with timeout after loginTimeoutMs when the login reply never comes', async () => {
      const s = await serve([{ expect: V5_INTERNAL }, {}]);
      const started = Date.now();
      const { values, error } = await connect(s, { ...ADMIN, loginTimeoutMs: 100, connectTimeoutMs: 5000 });
      const elapsed = Date.now() - started;
      expect(values).toEqual([]);
      expect(describeError(error).code).toBe('timeout');
      expect(elapsed).toBeLessThan(2000);
      expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
    });

    it('runs each login round trip in an aerospike:info:rpc span [login]; the connect span ends with the refusal', async () => {
      const events: string[] = [];
      const on = (name: string) => (ctx: unknown) => {
        const c = ctx as { commands?: readonly string[]; error?: AerospikeError };
        events.push(`${name}${c.commands ? `[${c.commands.join()}]` : ''}${c.error ? ` ${c.error.code}` : ''}`);
      };
      const rpc = { start: on('rpc:start'), end: () => undefined, asyncStart: () => undefined, asyncEnd: on('rpc:end'), error: on('rpc:error') };
      const conn = { start: on('connect:start'), end: () => undefined, asyncStart: () => undefined, asyncEnd: on('connect:end'), error: on('connect:error') };
      channels.infoRpc.subscribe(rpc);
      channels.connect.subscribe(conn);
      try {
        const s = await serve([{ expect: V5_AUTHENTICATE, reply: V5_REPLY_EXPIRED_SESSION }, { expect: V5_INTERNAL, reply: refusal(65) }, {}]);
        expect(describeError((await connect(s, { ...ADMIN, sessionToken: TOKEN })).error).code).toBe('invalid_credential');
      } finally {
        channels.infoRpc.unsubscribe(rpc);
        channels.connect.unsubscribe(conn);
      }
      // (whether a refused round trip's own rpc span carries the refusal as `error` is not pinned here)
      expect(events.filter((e) => !e.startsWith('rpc:error')).map((e) => e.replace(/^(rpc:end\[login\]).*/, '$1'))).toEqual([
        'connect:start',
        'rpc:start[login]',
        'rpc:end[login]',
        'rpc:start[login]',
        'rpc:end[login]',
        'connect:error invalid_credential',
        'connect:end invalid_credential',
      ]);
    });

    it('closes the socket when unsubscribed while the login reply is pending', async () => {
      const s = await serve([{ expect: V5_INTERNAL }, {}]);
      const sub = transport.connect$(s.server.host, s.server.port, ADMIN).subscribe({ error: fail });
      const peer = await s.server.peer(0);
      while (s.received.length === 0) await sleep(5);
      sub.unsubscribe();
      expect(await closedWithin(peer, 1000)).toBeTrue();
    });
  });

  describe('login$ (one round trip on an open connection)', () => {
    async function loginOn(steps: readonly Step[], opts: LoginOptions, connectOpts?: ConnectOptions, tls?: Parameters<typeof LoopbackServer.start>[1]) {
      const s = await serve(steps, tls);
      const conn = await openPlain(s, connectOpts);
      const result = await outcome(transport.login$(conn, opts));
      return { s, conn, ...result };
    }

    it('sends the internal LOGIN of V5 and returns the session token and TTL', async () => {
      const { s, conn, values, error } = await loginOn([{ expect: V5_INTERNAL, reply: V5_REPLY_TOKEN_TTL }], ADMIN);
      expect(error).toBeUndefined();
      expect(s.mismatches).toEqual([]);
      expect(values).toEqual([{ kind: 'session', token: Buffer.from('tok'), ttlSeconds: 86400 }]);
      expect(conn.isOpen).toBeTrue();
      transport.close(conn);
    });

    it('returns a session without ttlSeconds when the reply has no TTL field', async () => {
      const reply = adminFrame(adminRecord({ fields: [{ type: 5, data: 'abc' }] }));
      const { conn, values } = await loginOn([{ expect: V5_INTERNAL, reply }], ADMIN);
      expect(values.length).toBe(1);
      expect(values[0]).toEqual({ kind: 'session', token: Buffer.from('abc') });
      expect('ttlSeconds' in values[0]!).toBeFalse();
      transport.close(conn);
    });

    it('ignores a TTL field that is not exactly 4 bytes and unknown fields', async () => {
      const reply = adminFrame(
        adminRecord({
          fields: [
            { type: 99, data: 'x' },
            { type: 5, data: 'abc' },
            { type: 6, data: Buffer.alloc(8, 1) },
          ],
        }),
      );
      const { conn, values } = await loginOn([{ expect: V5_INTERNAL, reply }], ADMIN);
      expect(values).toEqual([{ kind: 'session', token: Buffer.from('abc') }]);
      transport.close(conn);
    });

    it('sends the external LOGIN of V5', async () => {
      const { s, conn, values } = await loginOn(
        [{ expect: V5_EXTERNAL, reply: V5_REPLY_TOKEN_TTL }],
        { ...ADMIN, authMode: 'external' },
        { allowInsecureExternalAuth: true },
      );
      expect(s.mismatches).toEqual([]);
      expect(values.length).toBe(1);
      transport.close(conn);
    });

    it('sends AUTHENTICATE of V5 for user + token and returns ok_no_token', async () => {
      const { s, conn, values } = await loginOn([{ expect: V5_AUTHENTICATE, reply: REPLY_OK }], { user: 'admin', sessionToken: TOKEN });
      expect(s.mismatches).toEqual([]);
      expect(values).toEqual([{ kind: 'ok_no_token' }]);
      transport.close(conn);
    });

    it('sends the empty PKI LOGIN over TLS', async () => {
      const { s, conn, values } = await loginOn([{ expect: V5_PKI_LOGIN, reply: V5_REPLY_TOKEN_TTL }], { authMode: 'pki' }, { tls: pkiTls }, serverTlsOptions(true));
      expect(s.mismatches).toEqual([]);
      expect(values).toEqual([{ kind: 'session', token: Buffer.from('tok'), ttlSeconds: 86400 }]);
      transport.close(conn);
    });

    it('sends the PKI AUTHENTICATE (SESSION_TOKEN only) over TLS', async () => {
      const { s, conn, values } = await loginOn([{ expect: PKI_AUTHENTICATE, reply: REPLY_OK }], { authMode: 'pki', sessionToken: TOKEN }, { tls: pkiTls }, serverTlsOptions(true));
      expect(s.mismatches).toEqual([]);
      expect(values).toEqual([{ kind: 'ok_no_token' }]);
      transport.close(conn);
    });

    it('returns security_not_enabled for result 52 and keeps the connection open', async () => {
      const { conn, values } = await loginOn([{ expect: V5_INTERNAL, reply: V5_REPLY_SECURITY_NOT_ENABLED }], ADMIN);
      expect(values).toEqual([{ kind: 'security_not_enabled' }]);
      expect(conn.isOpen).toBeTrue();
      transport.close(conn);
    });

    it('does not fall back: an expired token is expired_session even with a password, and the socket is destroyed', async () => {
      const { s, conn, values, error } = await loginOn([{ expect: V5_AUTHENTICATE, reply: V5_REPLY_EXPIRED_SESSION }, {}], { ...ADMIN, sessionToken: TOKEN });
      expect(values).toEqual([]);
      expect(describeError(error).code).toBe('expired_session');
      expect(conn.isOpen).toBeFalse();
      expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
      expect(s.received.length).toBe(1);
    });

    it('destroys the socket on a refusal; later operations fail with network_error', async () => {
      const { s, conn, error } = await loginOn([{ expect: V5_INTERNAL, reply: refusal(65) }, {}], ADMIN);
      expect(describeError(error).code).toBe('invalid_credential');
      expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
      const later = await outcome(transport.command$(conn, asMsgFrame(asMsgRecord()), 100));
      expect(describeError(later.error).code).toBe('network_error');
    });

    it('fails with server_error naming an unknown result code', async () => {
      const { error } = await loginOn([{ expect: V5_INTERNAL, reply: refusal(240) }, {}], ADMIN);
      expect(describeError(error).code).toBe('server_error');
      expect(describeError(error).message).toMatch(/240/);
    });

    it('fails with parse_error on truncated fields and on a wrong reply type', async () => {
      const truncated = hex(`02 02 00 00 00 00 00 18 00 00 00 01 ${Z12} 00 00 00 09 05 74 6f 6b`);
      const a = await loginOn([{ expect: V5_INTERNAL, reply: truncated }, {}], ADMIN);
      expect(describeError(a.error).code).toBe('parse_error');
      expect(a.conn.isOpen).toBeFalse();
      const b = await loginOn([{ expect: V5_INTERNAL, reply: asMsgFrame(lastRecord()) }, {}], ADMIN);
      expect(describeError(b.error).code).toBe('parse_error');
      expect(b.conn.isOpen).toBeFalse();
    });

    it('fails with timeout after loginTimeoutMs', async () => {
      const started = Date.now();
      const { s, error } = await loginOn([{ expect: V5_INTERNAL }, {}], { ...ADMIN, loginTimeoutMs: 80 }, { connectTimeoutMs: 5000 });
      expect(describeError(error).code).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await closedWithin(await s.server.peer(0), 1000)).toBeTrue();
    });

    it("bounds the reply read by the connection's loginTimeoutMs when login$ is not given one", async () => {
      const started = Date.now();
      const { error } = await loginOn([{ expect: V5_INTERNAL }, {}], ADMIN, { connectTimeoutMs: 5000, loginTimeoutMs: 80 });
      expect(describeError(error).code).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('runs inside an aerospike:info:rpc span with commands [login]', async () => {
      const starts: unknown[] = [];
      const ends: unknown[] = [];
      const handlers = {
        start: (ctx: unknown) => starts.push({ ...(ctx as object) }),
        end: () => undefined,
        asyncStart: () => undefined,
        asyncEnd: (ctx: unknown) => ends.push({ ...(ctx as object) }),
        error: () => undefined,
      };
      channels.infoRpc.subscribe(handlers);
      try {
        const { conn } = await loginOn([{ expect: V5_INTERNAL, reply: V5_REPLY_TOKEN_TTL }], ADMIN, { nodeName: 'n7' });
        transport.close(conn);
      } finally {
        channels.infoRpc.unsubscribe(handlers);
      }
      expect(starts).toEqual([jasmine.objectContaining({ nodeName: 'n7', commands: ['login'] })]);
      expect(ends).toEqual([jasmine.objectContaining({ nodeName: 'n7', commands: ['login'], bytes: V5_REPLY_TOKEN_TTL.length - 8 })]);
    });

    it('ends the login span with the error when the server refuses the login', async () => {
      const errors: unknown[] = [];
      const handlers = {
        start: () => undefined,
        end: () => undefined,
        asyncStart: () => undefined,
        asyncEnd: () => undefined,
        error: (ctx: unknown) => errors.push((ctx as { error: unknown }).error),
      };
      channels.infoRpc.subscribe(handlers);
      try {
        const rejected = Buffer.from('02020000000000100041000000000000000000000000000000', 'hex').subarray(0, 24);
        const { error } = await loginOn([{ expect: V5_INTERNAL, reply: rejected }], ADMIN);
        expect(describeError(error).code).toBe('invalid_credential');
      } finally {
        channels.infoRpc.unsubscribe(handlers);
      }
      expect(errors.map((e) => (e as { code: string }).code)).toEqual(['invalid_credential']);
    });
  });

  describe('call-time TypeErrors (nothing is subscribed or sent)', () => {
    const cases: ReadonlyArray<[string, ConnectOptions, RegExp]> = [
      ['a user without a password or token', { user: 'u1' }, /user "u1" needs a password or a sessionToken/],
      ['a token without a user outside PKI', { sessionToken: TOKEN }, /sessionToken requires user/],
      ['a password without a user', { password: 'pw' }, /password requires user/],
      ["authMode 'pki' without tls", { authMode: 'pki' }, /'pki' requires the tls option/],
      ["authMode 'external' without tls", { user: 'u', password: 'pw', authMode: 'external' }, /'external'.*requires the tls option/],
      ['an unknown authMode', { user: 'u', password: 'pw', authMode: 'ldap' as never }, /authMode must be one of/],
      ['a non-string password', { user: 'u', password: 42 as never }, /password must be a string/],
      ['a non-Uint8Array sessionToken', { user: 'u', sessionToken: 'tok' as never }, /sessionToken must be a Uint8Array/],
      ['an empty sessionToken', { user: 'u', sessionToken: new Uint8Array(0) }, /sessionToken must not be empty/],
      ['a user with a lone surrogate', { user: 'u\uD800', password: 'pw' }, /^user: a string with a lone surrogate at index 1 cannot be sent as UTF-8$/],
      ['a password with a lone surrogate, not telling where', { user: 'u', password: 'p\uDC00w' }, /^password: a string with a lone surrogate cannot be sent as UTF-8$/],
    ];
    for (const [what, opts, message] of cases) {
      it(`connect$ throws for ${what}`, () => {
        expect(() => transport.connect$('127.0.0.1', 1, opts)).toThrowMatching((e: unknown) => (e instanceof TypeError || e instanceof RangeError) && message.test((e as Error).message));
      });
    }

    it('connect$ accepts external auth with a token but no password without tls (no clear password is sent)', () => {
      expect(() => transport.connect$('127.0.0.1', 1, { user: 'u', sessionToken: TOKEN, authMode: 'external' })).not.toThrow();
    });

    it('connect$ accepts external auth without tls when allowInsecureExternalAuth is true', () => {
      expect(() => transport.connect$('127.0.0.1', 1, { user: 'u', password: 'pw', authMode: 'external', allowInsecureExternalAuth: true })).not.toThrow();
    });

    it('login$ throws the same errors, and for options with nothing to send', async () => {
      const s = await serve([]);
      const conn = await openPlain(s);
      for (const [, opts, message] of cases) {
        expect(() => transport.login$(conn, opts)).toThrowMatching((e: unknown) => message.test((e as Error).message));
      }
      expect(() => transport.login$(conn, {})).toThrowError(TypeError, /login needs user with password or sessionToken, or authMode pki/);
      expect(() => transport.login$(conn, null as never)).toThrowError(TypeError, /login options must be an object/);
      expect(() => transport.login$(conn, { ...ADMIN, loginTimeoutMs: -1 })).toThrowError(RangeError, /loginTimeoutMs/);
      await sleep(20);
      expect(s.received).toEqual([]);
      expect(conn.isOpen).toBeTrue();
      transport.close(conn);
    });
  });

  describe('bcrypt', () => {
    it('hashes a password on subscribe, not at call time, and once per password across connections', async () => {
      const password = `once-${randomBytes(6).toString('hex')}`;
      const hashSync = spyOn(bcrypt, 'hashSync').and.callThrough();
      const s = await serve([{ reply: REPLY_OK }]);
      const s2 = await serve([{ expect: V5_AUTHENTICATE, reply: V5_REPLY_EXPIRED_SESSION }, { reply: REPLY_OK }]);
      const connect$ = transport.connect$(s.server.host, s.server.port, { user: 'admin', password });
      expect(hashSync).not.toHaveBeenCalled();
      const a = await firstValueFrom(connect$);
      const b = await firstValueFrom(connect$);
      const c = await firstValueFrom(transport.connect$(s2.server.host, s2.server.port, { user: 'admin', password, sessionToken: TOKEN }));
      expect(hashSync.calls.allArgs().filter(([p]) => p === password).length).toBe(1);
      const credential = hashPassword(password);
      for (const frame of [s.received[0]!, s.received[1]!, s2.received[1]!]) expect(frame.includes(Buffer.from(credential))).toBeTrue();
      for (const conn of [a, b, c]) transport.close(conn);
    });
  });

  describe('secrets', () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const token = Buffer.from(`TK-${randomBytes(8).toString('hex')}`);
    let published: string[];
    const deep = (value: unknown): string => inspect(value, { showHidden: true, depth: Infinity, getters: true });
    const record = (ctx: unknown): void => {
      published.push(deep(ctx));
    };
    const handlers = { start: record, end: record, asyncStart: record, asyncEnd: record, error: record };
    const all = [channels.connect, channels.infoRpc, channels.commandSend, channels.commandRecv];

    beforeEach(() => {
      published = [];
      for (const ch of all) ch.subscribe(handlers);
    });
    afterEach(() => {
      for (const ch of all) ch.unsubscribe(handlers);
    });

    /** Every text an error exposes: message, stack, own properties and the whole cause chain. */
    function errorTexts(err: unknown, seen = new Set<unknown>()): string[] {
      if (err === null || err === undefined || seen.has(err)) return [];
      seen.add(err);
      const texts = [deep(err), String(err)];
      if (err instanceof Error) texts.push(err.message, err.stack ?? '', JSON.stringify(Object.getOwnPropertyNames(err).map((k) => [k, String((err as never)[k])])));
      return [...texts, ...errorTexts((err as { cause?: unknown }).cause, seen)];
    }

    function expectNoSecret(texts: readonly string[], where: string): void {
      const hash = hashPassword(password);
      const needles = [password, hash, hash.slice(29), token.toString('utf8'), token.toString('hex'), token.toString('base64'), inspect(token).slice(8, -1)];
      for (const text of texts) {
        for (const needle of needles) {
          if (text.includes(needle)) fail(`${where} exposes a secret (${needle.slice(0, 4)}…): ${text.slice(0, 300)}`);
        }
      }
    }

    it('keeps password, hash and token out of every error, telemetry payload and util.inspect of a connection', async () => {
      const credentials: ConnectOptions = { user: 'alice', password, sessionToken: token };
      const errors: unknown[] = [];

      // a) AUTHENTICATE expired → password LOGIN refused
      const a = await serve([{ reply: V5_REPLY_EXPIRED_SESSION }, { reply: refusal(65) }, {}]);
      errors.push((await connect(a, credentials)).error);
      // b) parse_error and c) timeout at connect
      const b = await serve([{ reply: hex(`02 02 00 00 00 00 00 18 00 00 00 01 ${Z12} 00 00 00 09 05 74 6f 6b`) }, {}]);
      errors.push((await connect(b, credentials)).error);
      const c = await serve([{}, {}]);
      errors.push((await connect(c, { ...credentials, loginTimeoutMs: 50 })).error);
      // d) success; the reply itself carries the token (the connect path drops it)
      const d = await serve([{ reply: V5_REPLY_EXPIRED_SESSION }, { reply: adminFrame(adminRecord({ fields: [{ type: 5, data: token }] })) }]);
      const conn = await openPlain(d, credentials);
      const connTexts = [inspect(conn), deep(conn), inspect(conn, { customInspect: false, depth: Infinity }), JSON.stringify(conn), String(conn)];
      // e) login$ refusal and parse_error on a live connection
      const e = await serve([{ reply: refusal(80) }, {}]);
      errors.push((await outcome(transport.login$(await openPlain(e), credentials))).error);
      const f = await serve([{ reply: asMsgFrame(lastRecord()) }, {}]);
      errors.push((await outcome(transport.login$(await openPlain(f), { user: 'alice', password }))).error);
      // f) TypeErrors whose options hold secrets
      for (const bad of [{ password }, { sessionToken: token }, { user: 'alice', password, authMode: 'external' as const }, { user: 'alice', password: password as unknown as Uint8Array as never, sessionToken: password as never }]) {
        try {
          transport.connect$('127.0.0.1', 1, bad);
        } catch (err) {
          errors.push(err);
        }
      }

      expect(errors.length).toBe(9);
      expect(errors.every((err) => err instanceof Error)).toBeTrue();
      expect(published.length).toBeGreaterThan(10);
      expectNoSecret(errors.flatMap((err) => errorTexts(err)), 'an error');
      expectNoSecret(published, 'a telemetry payload');
      expectNoSecret(connTexts, 'util.inspect of a connection');
      expect(connTexts[0]).toContain('TcpConnection');
      transport.close(conn);
    });
  });
});
