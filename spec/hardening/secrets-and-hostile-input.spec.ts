// Secrets and hostile input: no password, bcrypt hash or session token in any error (message,
// stack, cause chain, inspect), telemetry payload or inspect / JSON output of a connection, through
// real logins against the SimulatedNode; info names like __proto__ stay data; a server declaring a
// 2^47-byte body gets a parse_error without anything being allocated for it.

import { inspect } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { Connection, ConnectOptions, LoginReply } from '../../lib/node-transport';
import { DEFAULT_MAX_FRAME_BYTES, MessageType, PROTO_HEADER_SIZE } from '../../lib/protocol/constants';
import { FrameDecoder } from '../../lib/protocol/frame-decoder';
import { hashPassword } from '../../lib/protocol/password-hash';
import { encodeFrame } from '../../lib/protocol/proto-header';
import { asMsgFrame, lastRecord } from '../../lib/testing/frame-builders';
import { SimulatedNode } from '../../lib/testing/simulated-node';
import { LoopbackServer, type Script } from '../helpers/loopback-server';
import { leftovers, outcome, smallRequest } from '../helpers/transport-harness';
import { freshBufferPool } from '../helpers/buffer-pool';
import { connectionTexts, errorTexts, findSecrets, guardProcess, secretForms, TelemetryRecorder } from './hardening-kit';

const PASSWORD = 'Secrets-Spec-pw-91c2';
const WRONG_PASSWORD = 'Wrong-pw-5d3e77';
const BOGUS_TOKEN = Buffer.from('bogus-session-token-c0ffee');

describe('secrets and hostile input', () => {
  guardProcess();
  let baseline: Record<string, number> = {};
  beforeAll(async () => {
    baseline = await leftovers({}, 0);
  });
  afterAll(async () => {
    expect(await leftovers(baseline)).withContext('sockets or timers left by the spec').toEqual({});
  });

  describe('secrets through real logins (SimulatedNode with security on)', () => {
    const telemetry = new TelemetryRecorder();
    const transport = new TcpTransport();
    let node: SimulatedNode;
    let serverToken: Buffer | undefined;
    const secrets = (): Record<string, string[]> => ({
      password: secretForms(PASSWORD),
      'wrong password': secretForms(WRONG_PASSWORD),
      'bcrypt hash': secretForms(hashPassword(PASSWORD)),
      'bcrypt hash of the wrong password': secretForms(hashPassword(WRONG_PASSWORD)),
      'bogus token': secretForms(BOGUS_TOKEN),
      ...(serverToken !== undefined ? { 'server session token': secretForms(serverToken) } : {}),
    });
    const conns: Connection[] = [];

    beforeAll(async () => {
      node = await SimulatedNode.start({ users: { admin: PASSWORD } });
      telemetry.subscribe();
    });
    afterAll(async () => {
      telemetry.unsubscribe();
      for (const c of conns) transport.close(c);
      await node.stop();
    });

    const connect = async (opts: ConnectOptions): Promise<Connection> => {
      const conn = await firstValueFrom(transport.connect$('127.0.0.1', node.port, opts));
      conns.push(conn);
      return conn;
    };

    it('a logged-in connection shows no password, hash or token however it is inspected', async () => {
      const conn = await connect({ user: 'admin', password: PASSWORD });
      // the login's buffers land at the start of a pool chunk, where any pooled buffer the connection showed would expose them
      freshBufferPool();
      const reply = (await firstValueFrom(transport.login$(conn, { user: 'admin', password: PASSWORD }))) as LoginReply & { token: Buffer };
      expect(reply.kind).toBe('session');
      serverToken = reply.token;
      const second = await connect({ user: 'admin', sessionToken: serverToken });
      expect(Object.keys(await firstValueFrom(transport.info$(second, ['build'])))).toEqual(['build']);
      const spans = telemetry.drain();
      expect(spans.some((t) => t.includes("'login'"))).withContext('login spans recorded').toBeTrue();
      const all = [...connectionTexts(conn), ...connectionTexts(second), ...spans];
      expect(findSecrets(all, secrets())).toEqual([]);
      expect(inspect(conn)).toContain('127.0.0.1');
    });

    it('refused logins (wrong password, bogus token, external auth) keep their secrets out of every error and span', async () => {
      const connTexts: string[] = [];
      const attempts: Array<Promise<unknown>> = [
        outcome(transport.connect$('127.0.0.1', node.port, { user: 'admin', password: WRONG_PASSWORD })).then((o) => o.error),
        outcome(transport.connect$('127.0.0.1', node.port, { user: 'admin', sessionToken: BOGUS_TOKEN })).then((o) => o.error),
        outcome(transport.connect$('127.0.0.1', node.port, { user: 'admin', password: WRONG_PASSWORD, authMode: 'external', allowInsecureExternalAuth: true })).then(
          (o) => o.error,
        ),
        (async () => {
          const conn = await connect({});
          const o = await outcome(transport.login$(conn, { user: 'admin', sessionToken: BOGUS_TOKEN }));
          connTexts.push(...connectionTexts(conn));
          return o.error;
        })(),
      ];
      const errors = await Promise.all(attempts);
      for (const error of errors) {
        expect(error).toBeInstanceOf(AerospikeError);
        expect((error as AerospikeError).code).not.toBe('parse_error');
      }
      const spans = telemetry.drain();
      expect(spans.some((t) => t.includes('error'))).withContext('error spans recorded').toBeTrue();
      const all = [...errors.flatMap(errorTexts), ...spans, ...connTexts];
      expect(findSecrets(all, secrets())).toEqual([]);
      // the user name may appear; what was checked must have been rendered
      expect(all.join('\n')).toContain('AerospikeError');
    });
  });

  describe('hostile info names', () => {
    let server: LoopbackServer;
    beforeAll(async () => {
      const body = ['__proto__\tpolluted', 'constructor\tctor', 'prototype\tproto', 'toString\tts', 'hasOwnProperty\thop', 'polluted\tyes'].join('\n') + '\n';
      const script: Script = async (peer) => {
        while ((await peer.readFrame()) !== undefined) peer.write(encodeFrame(MessageType.INFO, Buffer.from(body)));
      };
      server = await LoopbackServer.start(script);
    });
    afterAll(() => server.stop());

    it('__proto__, constructor and prototype are own data properties of a null-prototype reply and pollute nothing', async () => {
      const transport = new TcpTransport();
      const conn = await firstValueFrom(transport.connect$('127.0.0.1', server.port));
      const reply = (await firstValueFrom(transport.info$(conn, ['__proto__', 'constructor', 'prototype']))) as Record<string, string>;
      transport.close(conn);

      expect(Object.getPrototypeOf(reply)).toBeNull();
      expect(Object.keys(reply)).toEqual(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'polluted']);
      expect(Object.getOwnPropertyDescriptor(reply, '__proto__')?.value).toBe('polluted');
      expect(reply['constructor']).toBe('ctor');
      expect(reply['prototype']).toBe('proto');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBeFalse();
      expect(typeof ({} as object).toString).toBe('function');
      expect(JSON.parse(JSON.stringify(reply))).toEqual(jasmine.objectContaining({ constructor: 'ctor' }));
    });
  });

  describe('a 2^47-byte declared body', () => {
    let server: LoopbackServer;
    let declare: (type: number) => Buffer = () => Buffer.alloc(0);
    beforeAll(async () => {
      server = await LoopbackServer.start(async (peer) => {
        const request = await peer.readFrame();
        if (request === undefined) return;
        const type = request[1] === MessageType.INFO ? MessageType.INFO : MessageType.AS_MSG;
        // the header alone, then a trickle of body bytes the client must not make room for
        peer.write(declare(type), Buffer.alloc(1024, 0x41));
      });
    });
    afterAll(() => server.stop());

    const header = (type: number, length: number): Buffer => {
      const h = Buffer.alloc(PROTO_HEADER_SIZE);
      h[0] = 2;
      h[1] = type;
      h.writeUInt16BE(Math.floor(length / 2 ** 32), 2);
      h.writeUInt32BE(length >>> 0, 4);
      return h;
    };

    /** Runs `op` with Buffer's allocators spied on; returns the error and the largest allocation. */
    async function underSpies(op: (t: TcpTransport, c: Connection) => Promise<unknown>): Promise<{ error: unknown; largest: number; rssGrowthMiB: number }> {
      const transport = new TcpTransport();
      const conn = await firstValueFrom(transport.connect$('127.0.0.1', server.port));
      let largest = 0;
      const spied = ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const;
      for (const name of spied) {
        const original = Buffer[name].bind(Buffer) as (size: number, ...rest: unknown[]) => Buffer;
        spyOn(Buffer, name).and.callFake(((size: number, ...rest: unknown[]) => {
          largest = Math.max(largest, size);
          return original(size, ...rest);
        }) as never);
      }
      const rssBefore = process.memoryUsage().rss;
      const error = await op(transport, conn);
      const rssGrowthMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
      transport.close(conn);
      return { error, largest, rssGrowthMiB };
    }

    for (const [what, type, run] of [
      ['command$', MessageType.AS_MSG, (t: TcpTransport, c: Connection) => outcome(t.command$(c, smallRequest(), 1000))],
      ['stream$', MessageType.AS_MSG, (t: TcpTransport, c: Connection) => outcome(t.stream$(c, smallRequest(), 1000))],
      ['info$', MessageType.INFO, (t: TcpTransport, c: Connection) => outcome(t.info$(c, ['build']))],
    ] as const) {
      it(`${what}: parse_error naming the length, and no allocation for it`, async () => {
        declare = (ty) => header(ty, 2 ** 47);
        expect(type).toBeDefined();
        const { error, largest, rssGrowthMiB } = await underSpies(async (t, c) => (await run(t, c)).error);
        expect(error).toBeInstanceOf(AerospikeError);
        expect((error as AerospikeError).code).toBe('parse_error');
        expect((error as AerospikeError).message).toContain(String(2 ** 47));
        expect(largest).withContext('largest Buffer allocation during the read').toBeLessThan(64 * 1024);
        expect(rssGrowthMiB).withContext('RSS growth, MiB').toBeLessThan(64);
      });
    }

    it('a compressed frame whose prefix declares 2^47 inflated bytes: parse_error before inflating', async () => {
      const prefix = Buffer.alloc(8);
      prefix.writeUInt32BE(2 ** 15, 0); // 2^47 = 2^15 * 2^32
      const envelope = encodeFrame(MessageType.AS_MSG_COMPRESSED, Buffer.concat([prefix, Buffer.from([0x78, 0x9c, 0x03, 0x00])]));
      declare = () => envelope;
      const { error, largest } = await underSpies(async (t, c) => (await outcome(t.command$(c, smallRequest(), 1000))).error);
      expect((error as AerospikeError).code).toBe('parse_error');
      expect((error as AerospikeError).message).toContain('above maxFrameBytes');
      expect(largest).toBeLessThan(64 * 1024);
    });

    it('a body declared at the cap (128 MiB) but not sent reserves at most 1 MiB, not the declared size', async () => {
      declare = (ty) => header(ty, DEFAULT_MAX_FRAME_BYTES);
      const { error, largest } = await underSpies(async (t, c) => (await outcome(t.command$(c, smallRequest(), 100))).error);
      expect((error as AerospikeError).code).toBe('timeout');
      expect(largest).withContext('largest Buffer allocation while 1 KiB of a 128 MiB body arrived').toBeLessThanOrEqual(2 ** 20);
    });

    it('a large frame still decodes byte for byte as its storage grows (3 MiB in 64 KiB chunks, and 1 byte then the rest)', () => {
      const frame = encodeFrame(MessageType.AS_MSG, Buffer.from(Array.from({ length: 3 * 2 ** 20 + 17 }, (_, i) => (i * 31) & 0xff)));
      for (const cuts of [Array.from({ length: Math.ceil(frame.length / 65536) }, (_, i) => i * 65536), [0, 1, 9, frame.length - 1]]) {
        const decoder = new FrameDecoder();
        const got: Buffer[] = [];
        const bounds = [...cuts, frame.length];
        for (let i = 0; i + 1 < bounds.length; i++) decoder.push(frame.subarray(bounds[i], bounds[i + 1]), (f) => got.push(Buffer.from(f.bytes)));
        expect(got.length).toBe(1);
        expect(got[0]!.equals(frame)).toBeTrue();
        expect(decoder.buffered).toBe(0);
      }
    });

    it('the same reply under the cap still works (the server is not the problem)', async () => {
      declare = () => asMsgFrame(lastRecord());
      const transport = new TcpTransport();
      const conn = await firstValueFrom(transport.connect$('127.0.0.1', server.port));
      const result = await outcome(transport.command$(conn, smallRequest(), 1000));
      transport.close(conn);
      expect(result.values.length).toBe(1);
    });
  });
});
