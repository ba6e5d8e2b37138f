// Every write policy, operation and scan resume against a SimulatedNode over loopback through the
// TcpTransport. The expected answers are those of a real Aerospike 8.1.2 node (bench/check-values-real.ts
// compares the two byte for byte).

import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { Connection } from '../../lib/node-transport';
import { ParticleType } from '../../lib/protocol/constants';
import { computeDigest, partitionId } from '../../lib/protocol/digest';
import { decodeOperateReply, encodeOperate, type OperateOptions, type OperateReply } from '../../lib/protocol/operate-request';
import { op, type Operation } from '../../lib/protocol/operations';
import { RawValue } from '../../lib/protocol/raw-value';
import { CITRUSLEAF_EPOCH_SECONDS, decodeRecord, decodeRecords, type DecodedRecord } from '../../lib/protocol/record';
import { encodeDelete, encodeGet, encodePut, encodeTouch, type Bins, type PutOptions, type RecordKey } from '../../lib/protocol/requests';
import { encodePartitionScan, type PartitionScanOptions } from '../../lib/protocol/scan-request';
import type { Value } from '../../lib/protocol/value';
import { SimulatedNode } from '../../lib/testing/simulated-node';

const key = (k: string | number, set = 'ops'): RecordKey => ({ namespace: 'test', set, key: k });

describe('SimulatedNode single-record commands and operations', () => {
  let node: SimulatedNode;
  let transport: TcpTransport;
  let conn: Connection;
  let nowMs: number;
  const nowVoidTime = (): number => Math.floor(nowMs / 1000) - CITRUSLEAF_EPOCH_SECONDS;

  beforeEach(async () => {
    nowMs = Date.UTC(2026, 0, 1);
    node = await SimulatedNode.start({ clock: () => nowMs });
    transport = new TcpTransport();
    conn = await firstValueFrom(transport.connect$(node.host, node.port));
  });

  afterEach(async () => {
    transport.close(conn);
    await node.stop();
  });

  const send = async (frame: Buffer): Promise<DecodedRecord> => decodeRecord(await firstValueFrom(transport.command$(conn, frame, 2000)));
  const put = (k: string, bins: Bins, options?: PutOptions): Promise<DecodedRecord> => send(encodePut(key(k), bins, options));
  const get = (k: string): Promise<DecodedRecord> => send(encodeGet(key(k)));
  const operate = async (k: string, ops: Operation[], options?: OperateOptions): Promise<OperateReply> =>
    decodeOperateReply(await firstValueFrom(transport.command$(conn, encodeOperate(key(k), ops, options), 2000)), nowMs);
  const header = (r: { resultCode: number; generation: number }): [number, number] => [r.resultCode, r.generation];

  describe('values', () => {
    it('stores every value type and returns it unchanged', async () => {
      const bins = {
        s: 'héllo ✓',
        i: -7,
        big: 2n ** 62n,
        f: 1.5,
        b: Buffer.of(1, 2),
        t: true,
        l: [1, 'two', 3.25, null, false, Buffer.of(3), [[]], { k: [1] }],
        m: { b: 'x', a: 1, n: { z: 0 } },
        mm: new Map<Value, Value>([[2, 'int'], ['a', 'str']]),
      };
      expect(header(await put('every', bins))).toEqual([0, 1]);
      const { bins: read } = await get('every');
      expect({ ...read, mm: null }).toEqual({ ...bins, mm: null });
      expect([...(read['mm'] as Map<Value, Value>)]).toEqual([[2, 'int'], ['a', 'str']]);
    });

    it('refuses a list or map the server refuses with result 1, and keeps the record as it was', async () => {
      await put('bad', { a: 1 });
      const unsorted = new RawValue(ParticleType.MAP, Buffer.from('83c70001c0a2036202a2036101', 'hex'));
      const truncated = new RawValue(ParticleType.LIST, Buffer.from('9301a403', 'hex'));
      const doubleKey = new RawValue(ParticleType.MAP, Buffer.from('82c70001c0cb3ff800000000000001', 'hex'));
      for (const value of [unsorted, truncated, doubleKey]) expect(header(await put('bad', { v: value }))).toEqual([1, 1]);
      expect({ ...(await get('bad')).bins }).toEqual({ a: 1 });
    });

    it('sorts the keys of an unordered map, nested ones included', async () => {
      await put('unordered', { v: new RawValue(ParticleType.MAP, Buffer.from('82a2037a82a2036202a2036101a2036101', 'hex')) });
      const { bins } = await get('unordered');
      expect(Object.keys(bins['v'] as object)).toEqual(['a', 'z']);
      expect(Object.keys((bins['v'] as Record<string, Value>)['z'] as object)).toEqual(['a', 'b']);
    });

    it('refuses a bin name over 15 bytes with 21: generation 0 for a write, the record\'s for a read', async () => {
      await put('names', { abcdefghijklmno: 1 });
      expect(header(await put('names', { abcdefghijklmnop: 1 }))).toEqual([21, 0]);
      expect(header(await operate('names', [op.get('abcdefghijklmnop')]))).toEqual([21, 1]);
    });

    it('deletes a bin written as null, and the record with its last bin; a null-only put of a missing record is 2', async () => {
      expect(header(await put('nulls', { a: null }))).toEqual([2, 0]);
      await put('nulls', { a: 1, b: 2 });
      expect(header(await put('nulls', { a: null }))).toEqual([0, 2]);
      expect({ ...(await get('nulls')).bins }).toEqual({ b: 2 });
      expect(header(await put('nulls', { b: null }))).toEqual([0, 0]);
      expect((await get('nulls')).resultCode).toBe(2);
    });
  });

  describe('write policies', () => {
    it('create_only answers 5 with the record\'s generation when it exists', async () => {
      expect(header(await put('ex', { a: 1 }, { exists: 'create_only' }))).toEqual([0, 1]);
      expect(header(await put('ex', { a: 2 }, { exists: 'create_only' }))).toEqual([5, 1]);
    });

    it('update_only and replace_only answer 2 for a missing record', async () => {
      expect(header(await put('missing', { a: 1 }, { exists: 'update_only' }))).toEqual([2, 0]);
      expect(header(await put('missing', { a: 1 }, { exists: 'replace_only' }))).toEqual([2, 0]);
    });

    it('replace and replace_only drop the bins not written', async () => {
      await put('rep', { a: 1, b: 2 });
      await put('rep', { c: 3 }, { exists: 'replace' });
      expect({ ...(await get('rep')).bins }).toEqual({ c: 3 });
      await put('rep', { d: 4 }, { exists: 'replace_only' });
      expect({ ...(await get('rep')).bins }).toEqual({ d: 4 });
    });

    it('checks the generation of writes: 3 with the record\'s generation, generation 0 matching a missing record', async () => {
      expect(header(await put('gen', { a: 1 }, { generation: 0 }))).toEqual([0, 1]);
      expect(header(await put('gen-missing', { a: 1 }, { generation: 5 }))).toEqual([3, 0]);
      expect(header(await put('gen', { a: 2 }, { generation: 1 }))).toEqual([0, 2]);
      expect(header(await put('gen', { a: 3 }, { generation: 1 }))).toEqual([3, 2]);
      expect(header(await operate('gen', [op.get('a')], { generation: 9 }))).toEqual([0, 2]);
    });

    it('answers a delete with a stale generation with 3 and generation 0', async () => {
      await put('del', { a: 1 });
      expect(header(await send(encodeDelete(key('del'), { generation: 7 })))).toEqual([3, 0]);
      expect(header(await send(encodeDelete(key('del'), { generation: 1 })))).toEqual([0, 0]);
      expect(header(await send(encodeDelete(key('del'))))).toEqual([2, 0]);
    });

    it('touch bumps the generation and resets the TTL; 2 when missing; ttlSeconds -2 keeps the void time', async () => {
      await put('touch', { a: 1 }, { ttlSeconds: 100 });
      const touched = await send(encodeTouch(key('touch'), { ttlSeconds: 500 }));
      expect([touched.resultCode, touched.generation, touched.voidTime]).toEqual([0, 2, nowVoidTime() + 500]);
      expect((await put('touch', { a: 2 }, { ttlSeconds: -2 })).voidTime).toBe(nowVoidTime() + 500);
      expect(header(await send(encodeTouch(key('touch-missing'))))).toEqual([2, 0]);
      expect(header(await send(encodeTouch(key('touch'), { generation: 1 })))).toEqual([3, 3]);
    });

    it('refuses a durable delete with 25 (enterprise_only, the node is Community Edition) and keeps the record', async () => {
      await put('durable', { a: 1 });
      expect(header(await send(encodeDelete(key('durable'), { durableDelete: true })))).toEqual([25, 0]);
      expect((await get('durable')).bins).toEqual(jasmine.objectContaining({ a: 1 }));
      expect(header(await send(encodeDelete(key('durable'))))).toEqual([0, 0]);
    });

    it('refuses a TTL over 10 years (the server\'s max-ttl) with 4 and stores nothing; 10 years, -1 and -2 are taken', async () => {
      const tenYears = 315_360_000;
      expect(header(await put('ttl', { a: 1 }, { ttlSeconds: tenYears + 1 }))).toEqual([4, 0]);
      expect((await get('ttl')).resultCode).toBe(2);
      expect(header(await put('ttl', { a: 1 }, { ttlSeconds: tenYears }))).toEqual([0, 1]);
      expect(header(await send(encodeTouch(key('ttl'), { ttlSeconds: tenYears + 1 })))).toEqual([4, 0]);
      expect(header(await put('ttl', { a: 2 }, { ttlSeconds: -1 }))).toEqual([0, 2]);
      expect(header(await put('ttl', { a: 3 }, { ttlSeconds: -2 }))).toEqual([0, 3]);
    });

    it('refuses replace and replace_only with a null bin (a bin delete) with 4 and keeps the record', async () => {
      await put('rep-null', { x: 1 });
      expect(header(await put('rep-null', { x: null, y: 1 }, { exists: 'replace' }))).toEqual([4, 0]);
      expect(header(await put('rep-null', { x: null, y: 1 }, { exists: 'replace_only' }))).toEqual([4, 0]);
      expect({ ...(await get('rep-null')).bins }).toEqual({ x: 1 });
      // without replace a null still deletes the bin
      expect(header(await put('rep-null', { x: null, y: 1 }))).toEqual([0, 2]);
    });

    it('refuses a record over max-record-size (default 1 MiB) with 13 and stores nothing; one at the limit is stored', async () => {
      // counted (recordSize): 40 header + 3 set name 'ops' + per bin 6 + 1 name 'b' + the blob = 50 + blob
      const limit = 1024 * 1024;
      expect(header(await put('big', { b: Buffer.alloc(limit + 10) }))).toEqual([13, 0]);
      expect((await get('big')).resultCode).toBe(2);
      expect(header(await put('big', { b: Buffer.alloc(limit - 50 + 1) }))).toEqual([13, 0]);
      expect(header(await put('big', { b: Buffer.alloc(limit - 50) }))).toEqual([0, 1]);
      // growing an existing record past the limit answers its generation and keeps it
      expect(header(await put('big', { c: 1 }))).toEqual([13, 1]);
      expect((await get('big')).bins.c).toBeUndefined();
    });
  });

  describe('scalar operations', () => {
    beforeEach(async () => {
      await put('s', { n: 5, f: 1.5, s: 'abc', b: Buffer.of(1) });
    });

    it('adds integers, bigints and doubles, creating a missing bin', async () => {
      expect({ ...(await operate('s', [op.add('n', 2), op.get('n')])).bins }).toEqual({ n: 7 });
      expect({ ...(await operate('s', [op.add('n', 2n ** 40n), op.get('n')])).bins }).toEqual({ n: 2 ** 40 + 7 });
      expect({ ...(await operate('s', [op.add('f', 0.25), op.get('f')])).bins }).toEqual({ f: 1.75 });
      expect({ ...(await operate('s', [op.add('new', 3), op.get('new')])).bins }).toEqual({ new: 3 });
    });

    it('answers 12 for add on a string, a double on an integer or an integer on a double', async () => {
      expect(header(await operate('s', [op.add('s', 1)]))).toEqual([12, 1]);
      expect(header(await operate('s', [op.add('n', 0.5)]))).toEqual([12, 1]);
      expect(header(await operate('s', [op.add('f', 1)]))).toEqual([12, 1]);
    });

    it('appends and prepends strings and blobs; 12 across types', async () => {
      expect({ ...(await operate('s', [op.append('s', 'z'), op.prepend('s', 'y'), op.get('s')])).bins }).toEqual({ s: 'yabcz' });
      expect({ ...(await operate('s', [op.prepend('b', Buffer.of(0)), op.get('b')])).bins }).toEqual({ b: Buffer.of(0, 1) });
      expect(header(await operate('s', [op.append('n', 'x')]))).toEqual([12, 3]);
      expect(header(await operate('s', [op.append('s', Buffer.of(1))]))).toEqual([12, 3]);
    });

    it('applies nothing when any op fails', async () => {
      expect(header(await operate('s', [op.put('z', 1), op.add('s', 1)]))).toEqual([12, 1]);
      expect({ ...(await get('s')).bins }).toEqual({ n: 5, f: 1.5, s: 'abc', b: Buffer.of(1) });
    });

    it('returns every bin for get() and nothing else, as of the get', async () => {
      const reply = await operate('s', [op.put('x', 1), op.get(), op.put('y', 2), op.listSize('l')]);
      expect({ ...reply.bins }).toEqual({ n: 5, f: 1.5, s: 'abc', b: Buffer.of(1), x: 1 });
      expect({ ...(await get('s')).bins }).toEqual({ n: 5, f: 1.5, s: 'abc', b: Buffer.of(1), x: 1, y: 2 });
    });

    it('returns the header only for getHeader(), and the other reads beside it', async () => {
      const headerOnly = await operate('s', [op.getHeader()]);
      expect([headerOnly.generation, headerOnly.results]).toEqual([1, []]);
      expect((await operate('s', [op.getHeader(), op.get('n')])).results).toEqual([{ bin: 'n', value: 5 }]);
    });

    it('deletes the record with delete(): generation 0 and the reads made before it', async () => {
      const reply = await operate('s', [op.get('n'), op.delete()]);
      expect([reply.resultCode, reply.generation, reply.results]).toEqual([0, 0, [{ bin: 'n', value: 5 }]]);
      expect((await get('s')).resultCode).toBe(2);
    });

    it('keeps the generation running when one operate deletes and writes again', async () => {
      const reply = await operate('s', [op.delete(), op.put('only', 1)]);
      expect(header(reply)).toEqual([0, 2]);
      expect({ ...(await get('s')).bins }).toEqual({ only: 1 });
    });

    it('touches with the TTL of the command', async () => {
      const reply = await operate('s', [op.touch()], { ttlSeconds: 777 });
      expect([reply.generation, reply.ttlSeconds, reply.results]).toEqual([2, 777, []]);
    });

    it('answers 2 for reads, touch, delete and removals on a missing record, and creates it for add', async () => {
      for (const o of [op.get('a'), op.getHeader(), op.listSize('l'), op.touch(), op.delete(), op.listRemoveByIndex('l', 0), op.mapRemoveByKey('m', 'a')]) {
        expect((await operate('none', [o])).resultCode).withContext(o.kind).toBe(2);
      }
      expect(header(await operate('none', [op.add('n', 1), op.get('n')]))).toEqual([0, 1]);
    });
  });

  describe('list operations', () => {
    beforeEach(async () => {
      await put('l', { l: [1, 2, 3], s: 'str' });
    });

    it('appends and returns the new size; a missing bin becomes a list', async () => {
      expect({ ...(await operate('l', [op.listAppend('l', 'x')])).bins }).toEqual({ l: 4 });
      expect({ ...(await operate('l', [op.listAppend('new', { k: 1 })])).bins }).toEqual({ new: 1 });
      expect({ ...(await get('l')).bins }).toEqual({ l: [1, 2, 3, 'x'], s: 'str', new: [{ k: 1 }] });
    });

    it('gets by index, negative from the end; 26 out of range', async () => {
      expect((await operate('l', [op.listGetByIndex('l', 1), op.listGetByIndex('l', -1)])).results).toEqual([{ bin: 'l', value: 2 }, { bin: 'l', value: 3 }]);
      expect(header(await operate('l', [op.listGetByIndex('l', 3)]))).toEqual([26, 1]);
      expect(header(await operate('l', [op.listGetByIndex('l', -4)]))).toEqual([26, 1]);
    });

    it('returns the size; nothing for a missing bin', async () => {
      expect((await operate('l', [op.listSize('l'), op.listSize('nope'), op.listGetByIndex('nope', 0)])).results).toEqual([{ bin: 'l', value: 3 }]);
    });

    it('removes by index and returns the element; a missing bin is a write with no result; 26 out of range', async () => {
      expect({ ...(await operate('l', [op.listRemoveByIndex('l', 0)])).bins }).toEqual({ l: 1 });
      expect(header(await operate('l', [op.listRemoveByIndex('nope', 0)]))).toEqual([0, 3]);
      expect(header(await operate('l', [op.listRemoveByIndex('l', 5)]))).toEqual([26, 3]);
      expect({ ...(await get('l')).bins }).toEqual({ l: [2, 3], s: 'str' });
    });

    it('answers 12 for a list op on a bin of another type', async () => {
      expect(header(await operate('l', [op.listAppend('s', 1)]))).toEqual([12, 1]);
      expect(header(await operate('l', [op.listSize('s')]))).toEqual([12, 1]);
    });

    it('answers each op on one bin in order; bins keep the last', async () => {
      const reply = await operate('l', [op.listAppend('l', 9), op.listSize('l'), op.listGetByIndex('l', 0)]);
      expect(reply.results).toEqual([{ bin: 'l', value: 4 }, { bin: 'l', value: 4 }, { bin: 'l', value: 1 }]);
      expect({ ...reply.bins }).toEqual({ l: 1 });
    });
  });

  describe('map operations', () => {
    beforeEach(async () => {
      await put('m', { m: { a: 1, b: 2 }, s: 'str', n: 5 });
    });

    it('puts and returns the new size, keys kept in server order', async () => {
      expect({ ...(await operate('m', [op.mapPut('m', 'c', 3)])).bins }).toEqual({ m: 3 });
      expect({ ...(await operate('m', [op.mapPut('m', 'a', 10)])).bins }).toEqual({ m: 3 });
      expect({ ...(await operate('m', [op.mapPut('m', 7, [1])])).bins }).toEqual({ m: 4 });
      expect([...((await get('m')).bins['m'] as Map<Value, Value>)]).toEqual([[7, [1]], ['a', 10], ['b', 2], ['c', 3]]);
    });

    it('creates an unordered map for a missing bin, as the server does for map attributes 0', async () => {
      await operate('m', [op.mapPut('new', 'k', 1)]);
      const raw = await firstValueFrom(transport.command$(conn, encodeGet(key('m'), { bins: ['new'] }), 2000));
      expect(raw.subarray(raw.length - 5).toString('hex')).toBe('81a2036b01');
    });

    it('gets and removes by key, null when the key or the bin is missing', async () => {
      expect({ ...(await operate('m', [op.mapGetByKey('m', 'b')])).bins }).toEqual({ m: 2 });
      expect({ ...(await operate('m', [op.mapGetByKey('m', 'zz')])).bins }).toEqual({ m: null });
      expect({ ...(await operate('m', [op.mapRemoveByKey('m', 'a')])).bins }).toEqual({ m: 1 });
      expect({ ...(await operate('m', [op.mapRemoveByKey('m', 'zz')])).bins }).toEqual({ m: null });
      expect({ ...(await operate('m', [op.mapSize('nope'), op.mapGetByKey('nope', 'a')])).bins }).toEqual({ nope: null });
      expect({ ...(await get('m')).bins['m'] as object }).toEqual({ b: 2 });
    });

    it('answers 12 for a map op on a bin of another type', async () => {
      expect(header(await operate('m', [op.mapPut('s', 'a', 1)]))).toEqual([12, 1]);
      expect(header(await operate('m', [op.mapSize('s')]))).toEqual([12, 1]);
    });

    it('answers every op but touch under RESPOND_ALL_OPS, null for writes and missing bins', async () => {
      const reply = await operate('m', [op.get('n'), op.add('n', 1), op.get('zz'), op.touch(), op.mapSize('m')]);
      expect(reply.results).toEqual([
        { bin: 'n', value: 5 },
        { bin: 'n', value: null },
        { bin: 'zz', value: null },
        { bin: 'm', value: 2 },
      ]);
      expect({ ...reply.bins }).toEqual({ n: null, zz: null, m: 2 });
    });
  });

  describe('scan resume', () => {
    const set = 'resume';
    const pid = 77;
    let digests: Buffer[];
    let task = 1;

    beforeEach(async () => {
      const keys: number[] = [];
      for (let i = 0; keys.length < 12; i++) if (partitionId(computeDigest(set, i)) === pid) keys.push(i);
      for (const k of keys) await send(encodePut(key(k, set), { k }));
      await send(encodePut(key('elsewhere', set), { k: -1 }));
      digests = keys.map((k) => computeDigest(set, k)).sort((a, b) => Buffer.compare(b, a));
    });

    const scan = async (options: Omit<PartitionScanOptions, 'namespace' | 'set' | 'taskId'>): Promise<Buffer[]> => {
      const frames = await lastValueFrom(transport.stream$(conn, encodePartitionScan({ namespace: 'test', set, taskId: task++, ...options }), 2000).pipe(toArray()));
      return frames.flatMap((f) => decodeRecords(f.subarray(8))).filter((r) => !r.last).map((r) => r.digest!);
    };

    it('returns a partition in descending digest order, as a real node walks its index', async () => {
      expect(await scan({ partitionIds: [pid] })).toEqual(digests);
    });

    it('resumes a partition after the given digest', async () => {
      expect(await scan({ partitions: [{ id: pid, digest: digests[4]! }] })).toEqual(digests.slice(5));
      expect(await scan({ partitions: [{ id: pid, digest: digests[11]! }] })).toEqual([]);
    });

    it('resumes after a digest that is not stored, at the next smaller one', async () => {
      const between = Buffer.from(digests[4]!);
      between[19] = between[19]! ^ 0x01;
      const expected = Buffer.compare(between, digests[4]!) < 0 ? digests.slice(5) : digests.slice(4);
      expect(await scan({ partitions: [{ id: pid, digest: between }] })).toEqual(expected);
    });

    it('mixes whole partitions and resumed ones in one scan', async () => {
      const other = partitionId(computeDigest(set, 'elsewhere'));
      const found = await scan({ partitions: [{ id: other }, { id: pid, digest: digests[9]! }] });
      expect(found.length).toBe(3);
      expect(found.filter((d) => partitionId(d) === pid)).toEqual(digests.slice(10));
    });

    it('stops after maxRecords', async () => {
      expect(await scan({ partitionIds: [pid], maxRecords: 5 })).toEqual(digests.slice(0, 5));
    });
  });
});
