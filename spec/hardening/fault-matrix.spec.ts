// The generated fault matrix: every applicable (phase × fault) cell against a scripted loopback
// server, one `it` per cell. Each cell checks the typed error and its code, that the socket is
// destroyed and the server saw it close, that the connection reports closed, and that no secret
// leaked into the error, the connection's inspect output or any telemetry payload. Leaks of
// sockets and timers are checked once per phase group.
//
// Drip (1 byte per 10 ms) is specified both ways: with a deadline longer than each single read
// (header, then body) the operation SUCCEEDS even though the whole reply takes longer than the
// deadline (deadlines bound each read, design §2); with a 50 ms deadline it times out.

import { inspect } from 'node:util';
import { firstValueFrom, type Observable } from 'rxjs';
import { map } from 'rxjs/operators';
import { AerospikeError } from '../../lib/errors';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { Connection, ConnectOptions } from '../../lib/node-transport';
import { AdminField, DEFAULT_MAX_FRAME_BYTES, MessageType, PROTO_HEADER_SIZE } from '../../lib/protocol/constants';
import { hashPassword } from '../../lib/protocol/password-hash';
import { adminFrame, adminRecord, asMsgFrame, asMsgRecord, compressedFrame, infoReplyFrame, lastRecord, u32 } from '../../lib/testing/frame-builders';
import { LoopbackServer, sleep, type Peer, type Script } from '../helpers/loopback-server';
import { serverTlsOptions, tlsFixtures, TLS_NAME } from '../helpers/tls-fixtures';
import { closedWithin, leftovers, outcome, smallRequest } from '../helpers/transport-harness';
import { errorTexts, eventually, findSecrets, guardProcess, secretForms, SocketTracker, TelemetryRecorder } from './hardening-kit';

type Code = 'connection_error' | 'timeout' | 'network_error' | 'parse_error';
type OpKind = 'login' | 'login$' | 'info' | 'command' | 'commandStream' | 'stream';

const PASSWORD = 'hardening-Pa55word!';
const CLIENT_TOKEN = Buffer.from('client-session-token-7f3a9c');
const SERVER_TOKEN = Buffer.from('server-issued-token-b41d2e');
const SECRETS: Record<string, string[]> = {
  password: secretForms(PASSWORD),
  'bcrypt hash': secretForms(hashPassword(PASSWORD)),
  'client session token': secretForms(CLIENT_TOKEN),
  'server session token': secretForms(SERVER_TOKEN),
};

const STALL_DEADLINE_MS = 100;
const DRIP_OK_DEADLINE_MS = 1000;
const DRIP_SLOW_DEADLINE_MS = 50;
const DEFAULT_DEADLINE_MS = 2000;

interface Phase {
  readonly name: string;
  readonly op: OpKind;
  /** The valid reply frames of the exchange. */
  readonly frames: readonly Buffer[];
  /** The frame the fault hits. */
  readonly target: number;
  /** Where connection faults (reset, close, stall) strike: before the frame's header, or after it. */
  readonly at: 'header' | 'body';
  /** A frame type this call must refuse. */
  readonly wrongType: number;
  /** Type-4 frames are legal here. */
  readonly compressible: boolean;
  /** The values of a successful run. */
  readonly expected: unknown[];
}

interface Fault {
  readonly name: string;
  readonly expect: Code | 'ok';
  readonly deadlineMs?: number;
  applies(phase: Phase): boolean;
  /** Writes the faulted target frame (and, for 'ok', the frames after it). */
  act(peer: Peer, phase: Phase): Promise<void>;
}

const rec = (generation: number): Buffer => asMsgRecord({ generation });
const bodyOf = (frame: Buffer): Buffer => frame.subarray(PROTO_HEADER_SIZE);
const withHeaderByte = (frame: Buffer, index: number, value: number): Buffer => {
  const copy = Buffer.from(frame);
  copy[index] = value;
  return copy;
};

const loginReply = adminFrame(adminRecord({ fields: [{ type: AdminField.SESSION_TOKEN, data: SERVER_TOKEN }, { type: AdminField.SESSION_TTL, data: u32(600) }] }));
const infoReply = infoReplyFrame({ build: '8.1.2.0', node: 'BB9' });
const commandReply = asMsgFrame(asMsgRecord({ generation: 7, ops: [{ op: 1, name: 'b', value: 42 }] }));
const streamFrames = [asMsgFrame(rec(1)), asMsgFrame(rec(2)), asMsgFrame(lastRecord())];

function streamPhases(op: 'commandStream' | 'stream'): Phase[] {
  const expected = op === 'stream' ? [...streamFrames] : [Buffer.concat(streamFrames.map(bodyOf))];
  return (['first', 'middle', 'terminal'] as const).map((which, target) => ({
    name: `${op} ${which} frame`,
    op,
    frames: streamFrames,
    target,
    at: 'header' as const,
    wrongType: MessageType.INFO,
    compressible: true,
    expected,
  }));
}

const PHASES: readonly Phase[] = [
  { name: 'login', op: 'login', frames: [loginReply], target: 0, at: 'header', wrongType: MessageType.AS_MSG, compressible: false, expected: ['connection'] },
  {
    name: 'login$ (token)',
    op: 'login$',
    frames: [loginReply],
    target: 0,
    at: 'header',
    wrongType: MessageType.AS_MSG,
    compressible: false,
    expected: [{ kind: 'session', token: SERVER_TOKEN, ttlSeconds: 600 }],
  },
  { name: 'info', op: 'info', frames: [infoReply], target: 0, at: 'header', wrongType: MessageType.AS_MSG, compressible: false, expected: [{ build: '8.1.2.0', node: 'BB9' }] },
  { name: 'command header', op: 'command', frames: [commandReply], target: 0, at: 'header', wrongType: MessageType.ADMIN, compressible: false, expected: [bodyOf(commandReply)] },
  { name: 'command body', op: 'command', frames: [commandReply], target: 0, at: 'body', wrongType: MessageType.ADMIN, compressible: true, expected: [bodyOf(commandReply)] },
  ...streamPhases('commandStream'),
  ...streamPhases('stream'),
];

const isHeaderPhase = (p: Phase): boolean => p.at === 'header';
const all = (): boolean => true;

/** Bytes of the target frame written before a connection fault strikes. */
const cutOf = (phase: Phase): number => (phase.at === 'body' ? PROTO_HEADER_SIZE : 0);
const target = (phase: Phase): Buffer => phase.frames[phase.target]!;

async function writeThen(peer: Peer, bytes: Buffer, then: () => void): Promise<void> {
  if (bytes.length > 0) {
    peer.write(bytes);
    await sleep(15);
  }
  then();
}

const FAULTS: readonly Fault[] = [
  { name: 'reset (RST)', expect: 'network_error', applies: all, act: (peer, p) => writeThen(peer, target(p).subarray(0, cutOf(p)), () => peer.reset()) },
  { name: 'clean close', expect: 'network_error', applies: all, act: (peer, p) => writeThen(peer, target(p).subarray(0, cutOf(p)), () => peer.end()) },
  {
    name: 'stall (no bytes)',
    expect: 'timeout',
    deadlineMs: STALL_DEADLINE_MS,
    applies: all,
    act: (peer, p) => writeThen(peer, target(p).subarray(0, cutOf(p)), () => undefined),
  },
  {
    name: 'drip 1 B/10 ms, each read within the deadline',
    expect: 'ok',
    deadlineMs: DRIP_OK_DEADLINE_MS,
    applies: all,
    act: async (peer, p) => {
      await peer.drip(target(p), 1, 10);
      for (const frame of p.frames.slice(p.target + 1)) peer.write(frame);
    },
  },
  {
    name: 'drip 1 B/10 ms past a 50 ms deadline',
    expect: 'timeout',
    deadlineMs: DRIP_SLOW_DEADLINE_MS,
    applies: all,
    act: async (peer, p) => {
      await writeThen(peer, target(p).subarray(0, cutOf(p)), () => undefined);
      await peer.drip(target(p).subarray(cutOf(p)), 1, 10);
    },
  },
  {
    name: 'garbage header',
    expect: 'parse_error',
    applies: isHeaderPhase,
    act: async (peer, p) => peer.write(Buffer.concat([Buffer.from('GARBAGE!'), bodyOf(target(p))])),
  },
  { name: 'version ≠ 2', expect: 'parse_error', applies: isHeaderPhase, act: async (peer, p) => peer.write(withHeaderByte(target(p), 0, 3)) },
  { name: 'wrong type for the call', expect: 'parse_error', applies: isHeaderPhase, act: async (peer, p) => peer.write(withHeaderByte(target(p), 1, p.wrongType)) },
  {
    name: 'declared length over the cap',
    expect: 'parse_error',
    applies: isHeaderPhase,
    act: async (peer, p) => {
      const header = Buffer.from(target(p).subarray(0, PROTO_HEADER_SIZE));
      const length = DEFAULT_MAX_FRAME_BYTES + 1;
      header.writeUInt16BE(Math.floor(length / 2 ** 32), 2);
      header.writeUInt32BE(length >>> 0, 4);
      peer.write(header, bodyOf(target(p)));
    },
  },
  {
    name: 'truncated body then close',
    expect: 'network_error',
    applies: all,
    act: (peer, p) => writeThen(peer, target(p).subarray(0, PROTO_HEADER_SIZE + (bodyOf(target(p)).length >> 1)), () => peer.end()),
  },
  {
    name: 'corrupt zlib',
    expect: 'parse_error',
    applies: (p) => p.compressible,
    act: async (peer, p) => {
      const envelope = compressedFrame(target(p));
      envelope.fill(0xff, PROTO_HEADER_SIZE + 8 + 2); // keep the size prefix and the 78 xx zlib header
      peer.write(envelope);
    },
  },
  {
    name: 'wrong inflated size',
    expect: 'parse_error',
    applies: (p) => p.compressible,
    act: async (peer, p) => {
      const envelope = compressedFrame(target(p));
      envelope.writeUInt32BE(envelope.readUInt32BE(PROTO_HEADER_SIZE + 4) + 5, PROTO_HEADER_SIZE + 4);
      peer.write(envelope);
    },
  },
  {
    name: 'truncated login fields',
    expect: 'parse_error',
    applies: (p) => p.op === 'login' || p.op === 'login$',
    act: async (peer, p) => {
      const frame = Buffer.from(target(p));
      frame.writeUInt32BE(1000, PROTO_HEADER_SIZE + 16); // the first field claims more than remains
      peer.write(frame);
    },
  },
];

/** Connect-phase cells: the TCP or TLS handshake itself fails. */
interface ConnectFault {
  readonly name: string;
  readonly expect: Code;
  /** 'raw': a plain TCP server the TLS client talks to; 'mtls': a real TLS server that requires a client cert. */
  readonly server: 'none' | 'raw' | 'mtls';
  readonly script?: Script;
}

const afterClientHello = (then: (peer: Peer) => void): Script => async (peer) => {
  await eventually(() => peer.received.length > 0 || peer.clientClosed, 2000);
  then(peer);
};

const CONNECT_FAULTS: readonly ConnectFault[] = [
  { name: 'connection refused', expect: 'connection_error', server: 'none' },
  { name: 'reset (RST)', expect: 'connection_error', server: 'raw', script: afterClientHello((peer) => peer.reset()) },
  { name: 'clean close', expect: 'connection_error', server: 'raw', script: afterClientHello((peer) => peer.end()) },
  { name: 'stall (no bytes)', expect: 'timeout', server: 'raw', script: afterClientHello(() => undefined) },
  { name: 'garbage header', expect: 'connection_error', server: 'raw', script: afterClientHello((peer) => peer.write(Buffer.from('GARBAGE!GARBAGE!GARBAGE!'))) },
  { name: 'TLS handshake abort', expect: 'connection_error', server: 'mtls' },
];

const cells = PHASES.reduce((n, p) => n + FAULTS.filter((f) => f.applies(p)).length, CONNECT_FAULTS.length);

describe(`fault matrix (${cells} cells)`, () => {
  guardProcess();
  const telemetry = new TelemetryRecorder();
  let server: LoopbackServer;
  let script: Script = async () => undefined;
  let baseline: Record<string, number> = {};
  const summary = { cells: 0, passed: 0 };

  beforeAll(async () => {
    console.log(`\nfault matrix: ${PHASES.length + 1} phases × ${FAULTS.length + 1} faults → ${cells} applicable cells`);
    baseline = await leftovers({}, 0);
    server = await LoopbackServer.start((peer) => script(peer));
    telemetry.subscribe();
  });

  afterAll(async () => {
    // the secret scan is only as good as what it saw: telemetry must have been recorded
    expect(telemetry.events).toBeGreaterThan(cells);
    telemetry.unsubscribe();
    await server.stop();
    console.log(`fault matrix: ${summary.passed}/${summary.cells} cells held`);
  });

  /** Asserts that nothing secret shows in `error`, in `conn`'s inspect output, or in the telemetry of the cell. */
  function expectNoSecrets(error: unknown, conn: Connection | undefined): void {
    const texts = [...errorTexts(error), ...telemetry.drain()];
    if (conn !== undefined) texts.push(inspect(conn, { depth: Infinity }), inspect(conn, { depth: Infinity, customInspect: false }), JSON.stringify(conn));
    expect(findSecrets(texts, SECRETS)).withContext('secrets found in errors / inspect / telemetry').toEqual([]);
  }

  it('the secret scanner finds a planted secret in every form it looks for', () => {
    const planted = [`token ${CLIENT_TOKEN.toString('hex')}`, `hash ${hashPassword(PASSWORD)}`, inspect({ p: PASSWORD })];
    expect(findSecrets(planted, SECRETS).sort()).toEqual(['bcrypt hash', 'client session token', 'password']);
  });

  describe('connect', () => {
    let tlsServer: LoopbackServer;
    let refusedPort = 0;
    let groupBaseline: Record<string, number> = {};

    beforeAll(async () => {
      tlsServer = await LoopbackServer.start(async () => undefined, serverTlsOptions(true));
      const closed = await LoopbackServer.start(async () => undefined);
      refusedPort = closed.port;
      await closed.stop();
      groupBaseline = await leftovers({}, 0);
    });

    afterAll(async () => {
      await tlsServer.stop();
      expect(await leftovers(groupBaseline)).withContext('sockets or timers left by the connect cells').toEqual({});
    });

    for (const fault of CONNECT_FAULTS) {
      it(`connect × ${fault.name} → ${fault.expect}`, async () => {
        summary.cells++;
        const tracker = new SocketTracker();
        const transport = new TcpTransport({ socketFactory: tracker.factory });
        const target = fault.server === 'mtls' ? tlsServer : server;
        const firstPeer = target.peers.length;
        script = fault.script ?? (async () => undefined);
        const opts: ConnectOptions = {
          connectTimeoutMs: fault.expect === 'timeout' ? STALL_DEADLINE_MS : DEFAULT_DEADLINE_MS,
          user: 'admin',
          password: PASSWORD,
          // TLS 1.2: a server that refuses the (missing) client certificate aborts the handshake itself
          tls: { ca: tlsFixtures.ca, servername: TLS_NAME, maxVersion: 'TLSv1.2' },
        };
        const port = fault.server === 'none' ? refusedPort : target.port;
        const result = await outcome(transport.connect$('127.0.0.1', port, opts));

        expect(result.values).toEqual([]);
        expect(result.error).toBeInstanceOf(AerospikeError);
        expect((result.error as AerospikeError).code).withContext((result.error as Error).message).toBe(fault.expect);
        expect((result.error as AerospikeError).message).toContain(`127.0.0.1:${port}`);
        expect(tracker.sockets.length).toBe(1);
        expect(tracker.liveSince(0).length).withContext('client sockets not destroyed').toBe(0);
        // a TLS server hands over only sockets whose handshake succeeded: the aborted one never becomes a peer
        if (fault.server === 'raw') expect(await closedWithin(await target.peer(firstPeer))).withContext('server saw the close').toBeTrue();
        else expect(target.peers.length).toBe(firstPeer);
        expectNoSecrets(result.error, undefined);
        summary.passed++;
      });
    }
  });

  for (const phase of PHASES) {
    describe(phase.name, () => {
      let groupBaseline: Record<string, number> = {};
      beforeAll(async () => {
        // the matrix's own listening server is the only handle a group may find beyond the suite's baseline
        groupBaseline = { ...baseline, TCPServerWrap: (baseline['TCPServerWrap'] ?? 0) + 1 };
      });
      afterAll(async () => {
        await eventually(() => server.peers.every((p) => p.clientClosed), 1000);
        expect(server.peers.filter((p) => !p.clientClosed).length).withContext('server-side sockets the client never closed').toBe(0);
        expect(await leftovers(groupBaseline)).withContext(`sockets or timers left by the ${phase.name} cells`).toEqual({});
      });

      for (const fault of FAULTS.filter((f) => f.applies(phase))) {
        const expectation = fault.expect === 'ok' ? 'succeeds' : fault.expect;
        it(`${phase.name} × ${fault.name} → ${expectation}`, async () => {
          summary.cells++;
          await runCell(phase, fault);
          summary.passed++;
        });
      }
    });
  }

  async function runCell(phase: Phase, fault: Fault): Promise<void> {
    const tracker = new SocketTracker();
    const transport = new TcpTransport({ socketFactory: tracker.factory });
    const deadlineMs = fault.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const firstPeer = server.peers.length;
    script = async (peer) => {
      if ((await peer.readFrame()) === undefined) return;
      for (const frame of phase.frames.slice(0, phase.target)) peer.write(frame);
      if (phase.target > 0) await sleep(15);
      await fault.act(peer, phase);
    };
    telemetry.drain();

    const connectOpts: ConnectOptions =
      phase.op === 'login' ? { user: 'admin', password: PASSWORD, loginTimeoutMs: deadlineMs } : { infoTimeoutMs: deadlineMs };
    let conn: Connection | undefined;
    let result: { values: unknown[]; error: unknown };
    const started = Date.now();
    if (phase.op === 'login') {
      const r = await outcome(transport.connect$('127.0.0.1', server.port, connectOpts));
      conn = r.values[0] as Connection | undefined;
      result = { values: r.values.map(() => 'connection'), error: r.error };
    } else {
      conn = await firstValueFrom(transport.connect$('127.0.0.1', server.port, connectOpts));
      result = await outcome(operation(transport, conn, phase, deadlineMs));
    }
    const elapsedMs = Date.now() - started;
    const peer = await server.peer(firstPeer);

    if (fault.expect === 'ok') {
      expect(result.error).withContext(String(result.error)).toBeUndefined();
      expect(result.values).toEqual(phase.expected);
      expect(conn!.isOpen).withContext('the connection stays reusable after a reply that ended normally').toBeTrue();
      expectNoSecrets(undefined, conn);
      transport.close(conn!);
    } else {
      const error = result.error as AerospikeError;
      expect(error).toBeInstanceOf(AerospikeError);
      expect(error?.code).withContext(error?.message).toBe(fault.expect);
      expect(error?.node).toBe(`127.0.0.1:${server.port}`);
      // connect$ errors carry inDoubt false (nothing of the caller's was sent); operations were sent
      expect(error?.inDoubt).toBe(phase.op !== 'login');
      if (fault.expect === 'timeout') expect(elapsedMs).toBeLessThan(deadlineMs * 4 + 1000);
      if (conn !== undefined) expect(conn.isOpen).withContext('conn.isOpen after the fault').toBeFalse();
      expectNoSecrets(error, conn);
    }
    expect(tracker.sockets.length).toBe(1);
    expect(await eventually(() => tracker.liveSince(0).length === 0)).withContext('client socket destroyed').toBeTrue();
    expect(await closedWithin(peer)).withContext('the server saw the socket close').toBeTrue();
  }
});

function operation(transport: TcpTransport, conn: Connection, phase: Phase, deadlineMs: number): Observable<unknown> {
  switch (phase.op) {
    case 'login$':
      return transport.login$(conn, { user: 'admin', sessionToken: CLIENT_TOKEN, loginTimeoutMs: deadlineMs });
    case 'info':
      return transport.info$(conn, ['build', 'node']).pipe(map((reply) => ({ ...reply })));
    case 'command':
      return transport.command$(conn, smallRequest(), deadlineMs);
    case 'commandStream':
      return transport.commandStream$(conn, smallRequest(), deadlineMs);
    case 'stream':
      return transport.stream$(conn, smallRequest(), deadlineMs);
    default:
      throw new Error(`no operation for ${phase.op}`);
  }
}
