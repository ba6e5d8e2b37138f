import { connect } from 'node:net';
import { encodeBatchGet } from '../../lib/protocol/batch-request';
import { findAsMsgLast } from '../../lib/protocol/as-msg';
import { FrameDecoder } from '../../lib/protocol/frame-decoder';
import { compressFrame } from '../../lib/protocol/compression';
import { MessageType } from '../../lib/protocol/constants';
import { computeDigest, partitionId } from '../../lib/protocol/digest';
import { encodeInfoRequest, parseInfoReply } from '../../lib/protocol/info';
import { decodeLoginReply, encodeAuthenticateRequest, encodeLoginRequest } from '../../lib/protocol/login';
import { hashPassword } from '../../lib/protocol/password-hash';
import { CITRUSLEAF_EPOCH_SECONDS, decodeRecord, decodeRecords } from '../../lib/protocol/record';
import { encodeDelete, encodeExists, encodeGet, encodePut } from '../../lib/protocol/requests';
import { encodePartitionScan } from '../../lib/protocol/scan-request';
import { SimulatedNode, type SimulatedNodeOptions } from '../../lib/testing/simulated-node';
import { RawClient, tcpHandles, tcpHandlesOn } from './raw-client';

const key = (k: string | number, set = 'demo') => ({ namespace: 'test', set, key: k }) as const;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('SimulatedNode', () => {
  let baselineHandles: number;
  let node: SimulatedNode;
  let clients: RawClient[];
  let nowMs: number;

  beforeAll(() => {
    baselineHandles = tcpHandles();
  });

  afterAll(async () => {
    // Sockets of other spec files may still be closing when the baseline is taken: poll, then
    // require no more handles than at the start.
    for (let i = 0; i < 100 && tcpHandles() > baselineHandles; i++) await sleep(10);
    expect(tcpHandles()).withContext('TCP handles left behind').toBeLessThanOrEqual(baselineHandles);
  });

  async function startNode(options: SimulatedNodeOptions = {}): Promise<SimulatedNode> {
    node = await SimulatedNode.start({ clock: () => nowMs, ...options });
    return node;
  }

  async function open(): Promise<RawClient> {
    const client = await RawClient.connect(node.port, node.host);
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    clients = [];
    nowMs = Date.UTC(2026, 0, 1);
    await startNode();
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await node.stop();
  });

  it('refuses a maxRecordSize that is not a positive integer, before it listens', async () => {
    for (const bad of [0, -1, 1.5, NaN, '100']) {
      await expectAsync(SimulatedNode.start({ maxRecordSize: bad as number })).toBeRejectedWithError(RangeError, /maxRecordSize/);
    }
  });

  describe('info', () => {
    it('answers build, node, namespaces, status, statistics and peers-clear-std in one reply', async () => {
      const client = await open();
      const reply = await client.request(encodeInfoRequest(['build', 'node', 'namespaces', 'status', 'statistics', 'peers-clear-std']));
      expect(reply.type).toBe(MessageType.INFO);
      const info = parseInfoReply(reply.body);
      expect(info['build']).toBe('8.1.2.0');
      expect(info['node']).toBe('BB9000000000001');
      expect(info['namespaces']).toBe('test');
      expect(info['status']).toBe('ok');
      expect(info['statistics']).toContain('client_connections=1');
      expect(info['peers-clear-std']).toBe('0,3000,[]');
    });

    it('lists compression in features only when compression is enabled', async () => {
      const client = await open();
      expect(parseInfoReply((await client.request(encodeInfoRequest(['features']))).body)['features']!.split(';')).toContain('compression');
      await node.stop();
      await client.close();
      await startNode({ compression: false });
      const other = await open();
      expect(parseInfoReply((await other.request(encodeInfoRequest(['features']))).body)['features']!.split(';')).not.toContain('compression');
    });

    it('answers an unknown name with ERROR:4, as an 8.1 node does', async () => {
      const client = await open();
      expect(parseInfoReply((await client.request(encodeInfoRequest(['no-such-thing']))).body)['no-such-thing']).toBe('ERROR:4:unrecognized command');
    });
  });

  describe('key commands', () => {
    it('returns the bins of a put on a later get', async () => {
      const client = await open();
      const put = decodeRecord((await client.request(encodePut(key('a'), { s: 'hello', i: 42, f: 1.5, b: Buffer.of(1, 2) }))).body);
      expect(put.resultCode).toBe(0);
      const got = decodeRecord((await client.request(encodeGet(key('a')))).body);
      expect(got.resultCode).toBe(0);
      expect({ ...got.bins }).toEqual({ s: 'hello', i: 42, f: 1.5, b: Buffer.of(1, 2) });
    });

    it('increments the generation on every write', async () => {
      const client = await open();
      const gens: number[] = [];
      for (let i = 0; i < 3; i++) gens.push(decodeRecord((await client.request(encodePut(key('g'), { i }))).body).generation);
      expect(gens).toEqual([1, 2, 3]);
      expect(decodeRecord((await client.request(encodeGet(key('g')))).body).generation).toBe(3);
    });

    it('returns only the named bins, and no bins for exists', async () => {
      const client = await open();
      await client.request(encodePut(key('n'), { a: 1, b: 2, c: 3 }));
      expect({ ...decodeRecord((await client.request(encodeGet(key('n'), { bins: ['a', 'c', 'zz'] }))).body).bins }).toEqual({ a: 1, c: 3 });
      const exists = decodeRecord((await client.request(encodeExists(key('n')))).body);
      expect(exists.resultCode).toBe(0);
      expect(exists.generation).toBe(1);
      expect(Object.keys(exists.bins)).toEqual([]);
    });

    it('answers result code 2 for a missing record', async () => {
      const client = await open();
      expect(decodeRecord((await client.request(encodeGet(key('nope')))).body).resultCode).toBe(2);
      expect(decodeRecord((await client.request(encodeExists(key('nope')))).body).resultCode).toBe(2);
    });

    it('expires a record at its void time on the injected clock', async () => {
      const client = await open();
      const put = decodeRecord((await client.request(encodePut(key('t'), { a: 1 }, { ttlSeconds: 10 }))).body);
      expect(put.voidTime).toBe(Math.floor(nowMs / 1000) - CITRUSLEAF_EPOCH_SECONDS + 10);
      nowMs += 9_000;
      expect(decodeRecord((await client.request(encodeGet(key('t')))).body).resultCode).toBe(0);
      nowMs += 1_000;
      expect(decodeRecord((await client.request(encodeGet(key('t')))).body).resultCode).toBe(2);
    });

    it('never expires a record written with ttlSeconds -1 or the default of a namespace without one', async () => {
      const client = await open();
      expect(decodeRecord((await client.request(encodePut(key('forever'), { a: 1 }, { ttlSeconds: -1 }))).body).voidTime).toBe(0);
      expect(decodeRecord((await client.request(encodePut(key('default'), { a: 1 }))).body).voidTime).toBe(0);
      nowMs += 10 * 365 * 86_400_000;
      expect(decodeRecord((await client.request(encodeGet(key('forever')))).body).resultCode).toBe(0);
    });

    it('deletes a record: rc 0 the first time, rc 2 after', async () => {
      const client = await open();
      await client.request(encodePut(key('d'), { a: 1 }));
      expect(decodeRecord((await client.request(encodeDelete(key('d')))).body).resultCode).toBe(0);
      expect(decodeRecord((await client.request(encodeDelete(key('d')))).body).resultCode).toBe(2);
      expect(decodeRecord((await client.request(encodeGet(key('d')))).body).resultCode).toBe(2);
    });

    it('answers rc 5 to a create-only put of an existing record and rc 3 to a generation mismatch', async () => {
      const client = await open();
      await client.request(encodePut(key('c'), { a: 1 }));
      const conflict = decodeRecord((await client.request(encodePut(key('c'), { a: 2 }, { createOnly: true }))).body);
      expect(conflict.resultCode).toBe(5);
      expect(conflict.generation).toBe(1);
      expect(decodeRecord((await client.request(encodePut(key('c'), { a: 2 }, { generation: 7 }))).body).resultCode).toBe(3);
      expect(decodeRecord((await client.request(encodePut(key('c'), { a: 2 }, { generation: 1 }))).body).generation).toBe(2);
    });

    it('answers rc 20 for a namespace it does not have', async () => {
      const client = await open();
      expect(decodeRecord((await client.request(encodeGet({ namespace: 'bar', set: 's', key: 1 }))).body).resultCode).toBe(20);
    });

    it('answers pipelined requests one at a time, in order', async () => {
      const client = await open();
      client.send(encodePut(key('p'), { a: 1 }), encodePut(key('p'), { a: 2 }), encodeGet(key('p')));
      const gens = [(await client.next()).body, (await client.next()).body].map((b) => decodeRecord(b).generation);
      expect(gens).toEqual([1, 2]);
      expect(decodeRecord((await client.next()).body).bins['a']).toBe(2);
    });
  });

  describe('scan', () => {
    it('packs the records of the set into frames of at most scanFrameBytes, then a separate 30-byte LAST frame', async () => {
      await node.stop();
      await startNode({ scanFrameBytes: 1000 });
      node.seed('test', 'big', 50, 40);
      node.seed('test', 'other', 5, 0);
      const client = await open();
      client.send(encodePartitionScan({ namespace: 'test', set: 'big', taskId: 1 }));
      const frames = await client.untilLast();
      const last = frames.pop()!;
      expect(last.bytes.length).toBe(30);
      expect(decodeRecords(last.body)[0]!.last).toBe(true);
      expect(frames.length).toBeGreaterThan(1);
      for (const frame of frames) expect(frame.body.length).toBeLessThanOrEqual(1000);
      const records = frames.flatMap((f) => decodeRecords(f.body));
      expect(records.map((r) => r.key).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(records.every((r) => r.namespace === 'test' && r.set === 'big' && (r.bins['data'] as Buffer).length === 40)).toBe(true);
    });

    it('returns only records of the requested partitions', async () => {
      node.seed('test', 's', 200, 0);
      const wanted = [...new Set(Array.from({ length: 200 }, (_, i) => partitionId(computeDigest('s', i))))].slice(0, 3);
      const client = await open();
      client.send(encodePartitionScan({ namespace: 'test', set: 's', taskId: 2, partitionIds: wanted }));
      const records = (await client.untilLast()).flatMap((f) => decodeRecords(f.body)).filter((r) => !r.last);
      expect(records.length).toBeGreaterThan(0);
      expect(records.every((r) => wanted.includes(partitionId(r.digest!)))).toBe(true);
    });

    it('appends LAST to the final data frame when scanLastInFinalFrame is set', async () => {
      await node.stop();
      await startNode({ scanLastInFinalFrame: true });
      node.seed('test', 's', 10, 0);
      const client = await open();
      client.send(encodePartitionScan({ namespace: 'test', set: 's', taskId: 3 }));
      const frames = await client.untilLast();
      expect(frames.length).toBe(1);
      const records = decodeRecords(frames[0]!.body);
      expect(records.length).toBe(11);
      expect(records[10]!.last).toBe(true);
    });

    it('stops after maxRecords and leaves the connection reusable', async () => {
      node.seed('test', 's', 30, 0);
      const client = await open();
      client.send(encodePartitionScan({ namespace: 'test', set: 's', taskId: 4, maxRecords: 7 }));
      expect((await client.untilLast()).flatMap((f) => decodeRecords(f.body)).filter((r) => !r.last).length).toBe(7);
      expect(parseInfoReply((await client.request(encodeInfoRequest(['status']))).body)['status']).toBe('ok');
    });
  });

  describe('batch get', () => {
    it('answers each key with its index in the transaction-ttl slot, rc 2 for a missing key, then a LAST frame', async () => {
      node.seed('test', 's', 3, 0);
      const client = await open();
      client.send(encodeBatchGet([0, 1, 'missing', 2].map((k) => key(k, 's'))));
      const frames = await client.untilLast();
      expect(frames.length).toBe(2);
      expect(frames[1]!.bytes.length).toBe(30);
      const records = decodeRecords(frames[0]!.body);
      expect(records.map((r) => r.batchIndex)).toEqual([0, 1, 2, 3]);
      expect(records.map((r) => r.resultCode)).toEqual([0, 0, 2, 0]);
      expect(records[3]!.bins['n']).toBe(2);
    });
  });

  describe('security', () => {
    const users = { admin: 'secret' };

    async function login(client: RawClient, user: string, password: string) {
      return decodeLoginReply((await client.request(encodeLoginRequest({ user, credential: hashPassword(password) }))).body);
    }

    it('answers LOGIN with rc 52 when security is disabled', async () => {
      expect(await login(await open(), 'admin', 'x')).toEqual({ kind: 'security_not_enabled' });
    });

    it('issues a session token with its TTL for a configured user and password', async () => {
      await node.stop();
      await startNode({ users, sessionTtlSeconds: 600 });
      const client = await open();
      const reply = await login(client, 'admin', 'secret');
      expect(reply.kind).toBe('session');
      expect(reply.kind === 'session' && reply.ttlSeconds).toBe(600);
      expect(decodeRecord((await client.request(encodePut(key('x'), { a: 1 }))).body).resultCode).toBe(0);
    });

    it('rejects a wrong password with invalid_credential and an unknown user with invalid_user', async () => {
      await node.stop();
      await startNode({ users });
      const client = await open();
      await expectAsync(login(client, 'admin', 'wrong')).toBeRejectedWith(jasmine.objectContaining({ code: 'invalid_credential' }));
      await expectAsync(login(client, 'nobody', 'secret')).toBeRejectedWith(jasmine.objectContaining({ code: 'invalid_user' }));
    });

    it('refuses data commands with rc 80 and info names with ERROR:80 before login', async () => {
      await node.stop();
      await startNode({ users });
      const client = await open();
      expect(decodeRecord((await client.request(encodeGet(key('x')))).body).resultCode).toBe(80);
      expect(parseInfoReply((await client.request(encodeInfoRequest(['build']))).body)['build']).toBe('ERROR:80:not authenticated');
      node.seed('test', 's', 1, 0);
      client.send(encodePartitionScan({ namespace: 'test', set: 's', taskId: 9 }));
      const [only] = await client.untilLast();
      expect(decodeRecords(only!.body)[0]).toEqual(jasmine.objectContaining({ resultCode: 80, last: true }));
    });

    it('accepts the session token on another socket until it expires, then answers expired_session', async () => {
      await node.stop();
      await startNode({ users, sessionTtlSeconds: 60 });
      const reply = await login(await open(), 'admin', 'secret');
      const token = reply.kind === 'session' ? reply.token : Buffer.alloc(0);
      const second = await open();
      const auth = decodeLoginReply((await second.request(encodeAuthenticateRequest({ user: 'admin', token }))).body);
      expect(auth).toEqual({ kind: 'ok_no_token' });
      expect(decodeRecord((await second.request(encodeGet(key('x')))).body).resultCode).toBe(2);
      nowMs += 60_000;
      const third = await open();
      const expired = third.request(encodeAuthenticateRequest({ user: 'admin', token }));
      await expectAsync(expired.then((f) => decodeLoginReply(f.body))).toBeRejectedWith(jasmine.objectContaining({ code: 'expired_session' }));
    });
  });

  describe('compression', () => {
    it('answers with a type-4 frame when the request sets COMPRESS_RESPONSE', async () => {
      const client = await open();
      await client.request(encodePut(key('z'), { s: 'x'.repeat(500) }));
      client.send(encodeGet(key('z'), { useCompression: true }));
      const frame = await client.next();
      expect(frame.type).toBe(MessageType.AS_MSG_COMPRESSED);
      expect(frame.bytes.length).toBeLessThan(500);
      const { bins } = decodeRecord((await client.request(encodeGet(key('z'), { useCompression: true }))).body);
      expect(bins['s']).toBe('x'.repeat(500));
    });

    it('answers plainly when compression is disabled', async () => {
      await node.stop();
      await startNode({ compression: false });
      const client = await open();
      client.send(encodeGet(key('z'), { useCompression: true }));
      expect((await client.next()).type).toBe(MessageType.AS_MSG);
    });

    it('accepts a compressed (type-4) request', async () => {
      const client = await open();
      const reply = await client.request(compressFrame(encodePut(key('cz'), { s: 'y'.repeat(300) })));
      expect(decodeRecord(reply.body).resultCode).toBe(0);
      expect(decodeRecord((await client.request(encodeGet(key('cz')))).body).bins['s']).toBe('y'.repeat(300));
      expect(node.stats.requests.compressed).toBe(1);
    });
  });

  describe('faults', () => {
    it('waits delayMs before each reply', async () => {
      node.setFaults({ delayMs: 120 });
      const client = await open();
      client.send(encodeGet(key('x')));
      await expectAsync(client.next(40)).toBeRejectedWithError(/no frame/);
      expect(decodeRecord((await client.next()).body).resultCode).toBe(2);
    });

    it('closes the socket after writing closeAfterBytes reply bytes', async () => {
      node.setFaults({ closeAfterBytes: 40 });
      node.seed('test', 's', 1, 0);
      const client = await open();
      client.send(encodeGet(key(0, 's')));
      await client.closed;
      expect(client.receivedBytes).toBe(40);
    });

    it('stops writing after stallAfterBytes and keeps the socket open', async () => {
      node.setFaults({ stallAfterBytes: 10 });
      const client = await open();
      client.send(encodeGet(key('x')));
      await sleep(50);
      expect(client.receivedBytes).toBe(10);
      expect(client.isOpen).toBe(true);
    });

    it('closes a socket that sends a frame it cannot parse', async () => {
      const client = await open();
      client.send(Buffer.from('0903000000000000', 'hex'));
      await client.closed;
      expect(node.stats.parseErrors).toBe(1);
    });
  });

  describe('synthetic scan', () => {
    /** Reads a scan reply from a bare socket, counting frames and body bytes (nothing is kept). */
    function countScan(port: number, set: string, paused: boolean) {
      const socket = connect({ port, host: '127.0.0.1' });
      const decoder = new FrameDecoder();
      const bodies: number[] = [];
      const done = new Promise<number[]>((resolve, reject) => {
        socket.on('data', (chunk: Buffer) =>
          decoder.push(chunk, (frame) => {
            bodies.push(frame.body.length);
            if (findAsMsgLast(frame.body) !== undefined) resolve(bodies);
          }),
        );
        socket.on('error', reject);
      });
      if (paused) socket.pause();
      socket.write(encodePartitionScan({ namespace: 'test', set, taskId: 9 }));
      return { socket, done };
    }

    it('answers a scan of its set with frames × frameBytes generated frames, then a LAST frame', async () => {
      await node.stop();
      await startNode({ syntheticScan: { set: 'huge', frames: 20, frameBytes: 32 * 1024 } });
      const { socket, done } = countScan(node.port, 'huge', false);
      const bodies = await done;
      socket.destroy();
      expect(bodies.length).toBe(21);
      expect(bodies.slice(0, 20).every((n) => n === 32 * 1024)).toBe(true);
      expect(bodies[20]).toBe(22);
    });

    it('writes only as fast as the reader reads: a paused reader stalls the node', async () => {
      await node.stop();
      const total = 1000 * 64 * 1024;
      await startNode({ syntheticScan: { set: 'huge', frames: 1000, frameBytes: 64 * 1024 } });
      const { socket, done } = countScan(node.port, 'huge', true);
      await sleep(150);
      expect(node.stats.replyBytes).toBeLessThan(total / 2);
      socket.resume();
      expect((await done).length).toBe(1001);
      socket.destroy();
      expect(node.stats.replyBytes).toBe(total + 1000 * 8 + 30);
    });

    it('answers other sets from the store', async () => {
      await node.stop();
      await startNode({ syntheticScan: { set: 'huge', frames: 5, frameBytes: 1024 } });
      node.seed('test', 'small', 3, 0);
      const client = await open();
      client.send(encodePartitionScan({ namespace: 'test', set: 'small', taskId: 5 }));
      expect((await client.untilLast()).flatMap((f) => decodeRecords(f.body)).filter((r) => !r.last).length).toBe(3);
    });
  });

  describe('stats and stop', () => {
    it('counts connections opened and closed and requests by kind', async () => {
      const a = await open();
      await a.request(encodePut(key('s'), { a: 1 }));
      await a.request(encodeGet(key('s')));
      await a.request(encodeInfoRequest(['build']));
      await a.close();
      await open();
      await sleep(10);
      const stats = node.stats;
      expect(stats.connectionsOpened).toBe(2);
      expect(stats.connectionsClosed).toBe(1);
      expect(stats.requests).toEqual(jasmine.objectContaining({ put: 1, get: 1, info: 1, scan: 0 }));
    });

    it('closes every client socket on stop and leaves no TCP handle behind', async () => {
      const port = node.port;
      const client = await open();
      await sleep(10); // the node's side of the connection is accepted
      expect(tcpHandlesOn(port)).toBe(3); // the listener, the client and the node's side of it
      await node.stop();
      await client.closed;
      // a closed handle leaves the list once libuv has run its close callback: a loaded machine may take a few turns
      for (let i = 0; i < 100 && tcpHandlesOn(port) > 0; i++) await sleep(10);
      expect(tcpHandlesOn(port)).toBe(0);
      node = await SimulatedNode.start(); // for afterEach
    });
  });
});
