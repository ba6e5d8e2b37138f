// The cases of check-values-real.ts: request frames built by this package's encoders, each case a
// sequence on its own record (or scan set). Every step's reply is compared between the real server
// and the SimulatedNode, except steps marked compare: false (known, documented differences).

import { encodeAsMsg } from '../lib/protocol/as-msg-encoder';
import { FieldType, OpType, ParticleType } from '../lib/protocol/constants';
import { computeDigest, partitionId } from '../lib/protocol/digest';
import { Double } from '../lib/protocol/double';
import { encodeOperate } from '../lib/protocol/operate-request';
import { op, type Operation } from '../lib/protocol/operations';
import { RawValue } from '../lib/protocol/raw-value';
import { encodeDelete, encodeGet, encodePut, encodeTouch, type Bins, type PutOptions, type RecordKey } from '../lib/protocol/requests';
import { encodePartitionScan } from '../lib/protocol/scan-request';
import type { ValueInput } from '../lib/protocol/value';

export interface CheckStep {
  readonly label: string;
  readonly request: Buffer;
  /** A multi-frame reply (scan): the bodies of every frame, concatenated. */
  readonly stream?: boolean;
  /** false: print both replies, do not count a difference (a documented one); 'count': a scan's record count only. */
  readonly compare?: false | 'count';
}

export interface CheckCase {
  readonly name: string;
  readonly steps: readonly CheckStep[];
}

function nest(depth: number): ValueInput {
  let v: ValueInput = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

export function checkCases(set: string): CheckCase[] {
  const key = (k: string): RecordKey => ({ namespace: 'test', set, key: k });
  const put = (k: string, bins: Bins, options?: PutOptions): Buffer => encodePut(key(k), bins, options);
  const get = (k: string): Buffer => encodeGet(key(k));
  const operate = (k: string, ops: Operation[], options?: PutOptions): Buffer => encodeOperate(key(k), ops, options);
  const cases: CheckCase[] = [];
  const add = (name: string, steps: Array<[string, Buffer] | CheckStep>): void => {
    cases.push({ name, steps: steps.map((s) => (Array.isArray(s) ? { label: s[0], request: s[1] } : s)) });
  };

  // ---- values ---------------------------------------------------------------------------------
  const every: Record<string, ValueInput> = {
    s: 'hello',
    u: 'héllo wörld ✓ 𝄞',
    e: '',
    i: 42,
    neg: -7,
    big: 2n ** 62n,
    min: -(2n ** 63n),
    f: 1.5,
    d: Double(2),
    nan: NaN,
    b: Buffer.from('deadbeef', 'hex'),
    eb: new Uint8Array(0),
    t: true,
    ff: false,
    l: [1, 'two', 3.25, null, true, Buffer.of(1, 2), [], {}, [[[1]]], -1, -33, -129, -40000, -(2 ** 40), 2 ** 40, 200, 70_000, 2n ** 63n - 1n, Double(3)],
    m: { b: 'x', a: 1, nested: { z: [1, { y: 2 }], 'é': 1, '': 0 } },
    mm: new Map<ValueInput, ValueInput>([[2, 'int'], ['a', 'str'], [Buffer.of(9), 'bytes'], [-5n, 'neg']]),
    long: ['x'.repeat(31), 'y'.repeat(300), 'z'.repeat(70_000), Array.from({ length: 20 }, (_, i) => i), Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]))],
  };
  add('values: every type written and read back', [
    ['put', put('every', every)],
    ['get all', get('every')],
    ['get two', encodeGet(key('every'), { bins: ['m', 'missing'] })],
  ]);
  add('values: an unsorted key-ordered map is stored sorted', [
    ['put raw', put('unsorted', { m: new RawValue(ParticleType.MAP, Buffer.from('83c70001c0a2036202a2036101', 'hex')) })],
    ['get', get('unsorted')],
  ]);
  add('values: an unordered map (no flags) is kept as written', [
    ['put raw', put('unordered', { m: new RawValue(ParticleType.MAP, Buffer.from('82a2036202a2036101', 'hex')) })],
    ['get', get('unordered')],
  ]);
  add('values: nesting depth', [
    ['put 64 deep', put('deep64', { l: nest(64) })],
    ['put 128 deep', put('deep128', { l: nest(128) })],
    ['put 256 deep', put('deep256', { l: nest(255) })],
  ]);
  add('values: bin names', [
    ['15 bytes', put('names', { abcdefghijklmno: 1 })],
    ['16 bytes', put('names', { abcdefghijklmnop: 1 })],
  ]);
  add('values: null bins', [
    ['null bin of a missing record', put('nulls', { a: null })],
    ['put two', put('nulls', { a: 1, b: 2 })],
    ['null one', put('nulls', { a: null })],
    ['get', get('nulls')],
    ['null the last', put('nulls', { b: null })],
    ['get', get('nulls')],
  ]);

  // ---- write policies -------------------------------------------------------------------------
  add('policy: exists', [
    ['create_only new', put('ex', { a: 1, b: 2 }, { exists: 'create_only' })],
    ['create_only again', put('ex', { a: 1 }, { exists: 'create_only' })],
    ['update_only', put('ex', { c: 3 }, { exists: 'update_only' })],
    ['update_only missing', put('ex-missing', { c: 3 }, { exists: 'update_only' })],
    ['replace', put('ex', { d: 4 }, { exists: 'replace' })],
    ['get', get('ex')],
    ['replace missing', put('ex-new', { d: 4 }, { exists: 'replace' })],
    ['replace_only', put('ex', { e: 5 }, { exists: 'replace_only' })],
    ['get', get('ex')],
    ['replace_only missing', put('ex-missing', { e: 5 }, { exists: 'replace_only' })],
  ]);
  add('policy: generation', [
    ['gen 0 on a missing record', put('gen', { a: 1 }, { generation: 0 })],
    ['gen 5 on a missing record', put('gen-missing', { a: 1 }, { generation: 5 })],
    ['gen 1 ok', put('gen', { a: 2 }, { generation: 1 })],
    ['gen 1 stale', put('gen', { a: 3 }, { generation: 1 })],
    ['delete stale gen', encodeDelete(key('gen'), { generation: 1 })],
    ['delete gen 2', encodeDelete(key('gen'), { generation: 2 })],
    ['get', get('gen')],
  ]);
  add('policy: ttl, touch, delete', [
    ['put ttl 1000', put('ttl', { a: 1 }, { ttlSeconds: 1000 })],
    ['get', get('ttl')],
    ['touch 5000', encodeTouch(key('ttl'), { ttlSeconds: 5000 })],
    ['put ttl -2 keeps', put('ttl', { a: 2 }, { ttlSeconds: -2 })],
    ['put ttl -1 never', put('ttl', { a: 3 }, { ttlSeconds: -1 })],
    ['touch missing', encodeTouch(key('ttl-missing'), { ttlSeconds: 10 })],
    ['touch gen stale', encodeTouch(key('ttl'), { generation: 1 })],
    ['delete', encodeDelete(key('ttl'))],
    ['delete again', encodeDelete(key('ttl'))],
    { label: 'durable delete (Community: 25)', request: encodeDelete(key('ttl-dd'), { durableDelete: true }), compare: false },
    ['send key', put('sk', { a: 1 }, { sendKey: true })],
  ]);

  // ---- operations -----------------------------------------------------------------------------
  add('op: scalar ops', [
    ['seed', put('ops', { n: 5, s: 'abc', f: 1.5, l: [1, 2, 3], m: { a: 1, b: 2 } })],
    ['add', operate('ops', [op.add('n', 2)])],
    ['add + get', operate('ops', [op.add('n', 2), op.get('n')])],
    ['add double to int', operate('ops', [op.add('n', 1.5)])],
    ['add int to double', operate('ops', [op.add('f', 1), op.get('f')])],
    ['add double to double', operate('ops', [op.add('f', 0.25), op.get('f')])],
    ['add bigint', operate('ops', [op.add('n', 2n ** 40n), op.get('n')])],
    ['add on string', operate('ops', [op.add('s', 1)])],
    ['add on missing bin', operate('ops', [op.add('new', 3), op.get('new')])],
    ['append + prepend + get', operate('ops', [op.append('s', 'z'), op.prepend('s', 'y'), op.get('s')])],
    ['append on int', operate('ops', [op.append('n', 'x')])],
    ['append blob on string', operate('ops', [op.append('s', Buffer.of(0x41))])],
    ['append on missing bin', operate('ops', [op.append('s2', 'q'), op.get('s2')])],
    ['put + get', operate('ops', [op.put('w', [1, { x: 'y' }]), op.get('w')])],
    ['put null', operate('ops', [op.put('w', null), op.get('w')])],
    ['get missing bin', operate('ops', [op.get('nope')])],
    ['get all', operate('ops', [op.get()])],
    ['get all + get n', operate('ops', [op.get(), op.get('n')])],
    ['get header', operate('ops', [op.getHeader()])],
    ['get header + get', operate('ops', [op.getHeader(), op.get('n')])],
    ['touch', operate('ops', [op.touch()], { ttlSeconds: 777 })],
    ['failure leaves no change', operate('ops', [op.add('n', 1), op.add('s', 1)])],
    ['get n', operate('ops', [op.get('n')])],
    ['delete + get', operate('ops', [op.get('n'), op.delete()])],
    ['get after delete', get('ops')],
    ['delete then put', operate('ops2', [op.put('a', 1)])],
    ['delete, put in one', operate('ops2', [op.delete(), op.put('b', 2)])],
    ['get', get('ops2')],
  ]);
  add('op: whole-record reads, respond-all and deletes', [
    ['seed', put('whole', { n: 1, l: [3, 1, 2], m: { a: 1 } }, { ttlSeconds: 100 })],
    ['16-byte read on an existing record', operate('whole', [op.get('abcdefghijklmnop')])],
    ['16-byte named get', encodeGet(key('whole'), { bins: ['abcdefghijklmnop'] })],
    ['get all + list size', operate('whole', [op.get(), op.listSize('l')])],
    ['list size + get all', operate('whole', [op.listSize('l'), op.get()])],
    ['put + get all', operate('whole', [op.put('x', 1), op.get()])],
    ['get all + put', operate('whole', [op.get(), op.put('y', 2)])],
    ['get n + get all', operate('whole', [op.get('n'), op.get()])],
    ['get all twice', operate('whole', [op.get(), op.get()])],
    ['header + list size', operate('whole', [op.getHeader(), op.listSize('l')])],
    ['header + put', operate('whole', [op.getHeader(), op.put('z', 3)])],
    ['get n twice', operate('whole', [op.get('n'), op.get('n')])],
    ['add, get, add, get', operate('whole', [op.add('n', 1), op.get('n'), op.add('n', 1), op.get('n')])],
    ['put + map size', operate('whole', [op.put('w', 1), op.mapSize('m')])],
    ['touch + map size', operate('whole', [op.touch(), op.mapSize('m')])],
    ['operate read keeps the ttl', operate('whole', [op.get('n')], { ttlSeconds: 5 })],
    ['operate write ttl -2 keeps it', operate('whole', [op.add('n', 1)], { ttlSeconds: -2 })],
    ['touch ttl -2 keeps it', encodeTouch(key('whole'), { ttlSeconds: -2 })],
    ['touch ttl 0: namespace default', encodeTouch(key('whole'))],
    ['map size + delete', operate('whole', [op.mapSize('m'), op.delete()])],
    ['get after', get('whole')],
    ['null op on a missing record', operate('whole-null', [op.put('a', null)])],
    ['null + put on a missing record', operate('whole-null', [op.put('a', null), op.put('b', 1)])],
    ['null every bin', operate('whole-null', [op.put('b', null)])],
    ['delete + touch', operate('whole-null2', [op.put('a', 1)])],
    ['delete, touch in one', operate('whole-null2', [op.delete(), op.touch()])],
    ['update_only operate on a missing record', operate('whole-missing', [op.put('a', 1)], { exists: 'update_only' })],
    ['bad msgpack op.put', operate('whole-null', [op.put('v', new RawValue(ParticleType.LIST, Buffer.from('93', 'hex')))])],
    ['map puts keep server key order', operate('whole-maps', [op.mapPut('mm', 'b', 1), op.mapPut('mm', 'a', 2), op.mapPut('mm', 1, 0), op.mapPut('mm', Buffer.of(1), 0), op.get('mm')])],
    ['map put of a nested map value', operate('whole-maps', [op.mapPut('m3', 'k', new Map<ValueInput, ValueInput>([['b', 1], ['a', 2]])), op.get('m3')])],
    ['list append of nested values', operate('whole-maps', [op.listAppend('l2', [1, { b: 1, a: 2 }]), op.get('l2')])],
    ['list ops with negative indexes', operate('whole-maps', [op.listAppend('l', 1), op.listAppend('l', 2), op.listRemoveByIndex('l', -1), op.listGetByIndex('l', -1)])],
    ['prepend blob + append string on blob', operate('whole-maps', [op.put('b', Buffer.of(1)), op.prepend('b', Buffer.of(0)), op.get('b')])],
    ['append string on blob', operate('whole-maps', [op.append('b', 'x')])],
    ['add on bool', operate('whole-maps', [op.put('t', true), op.add('t', 1)])],
  ]);
  add('op: on a missing record', [
    ['get', operate('none', [op.get('a')])],
    ['header', operate('none', [op.getHeader()])],
    ['list size', operate('none', [op.listSize('l')])],
    ['touch', operate('none', [op.touch()])],
    ['delete', operate('none', [op.delete()])],
    ['add creates', operate('none-add', [op.add('n', 1), op.get('n')])],
    ['list append creates', operate('none-list', [op.listAppend('l', 'a')])],
    ['map put creates', operate('none-map', [op.mapPut('m', 'k', 1)])],
    ['get list + map', encodeGet(key('none-list'))],
    ['get map', encodeGet(key('none-map'))],
  ]);
  add('op: lists', [
    ['seed', put('lists', { l: [1, 2, 3], s: 'str' })],
    ['append', operate('lists', [op.listAppend('l', 'x')])],
    ['append nested', operate('lists', [op.listAppend('l', { k: [1] })])],
    ['get by index', operate('lists', [op.listGetByIndex('l', 1)])],
    ['get by index -1', operate('lists', [op.listGetByIndex('l', -1)])],
    ['get by index out of range', operate('lists', [op.listGetByIndex('l', 10)])],
    ['get by index -10', operate('lists', [op.listGetByIndex('l', -10)])],
    ['size', operate('lists', [op.listSize('l')])],
    ['size of missing bin', operate('lists', [op.listSize('nope')])],
    ['get by index of missing bin', operate('lists', [op.listGetByIndex('nope', 0)])],
    ['remove by index', operate('lists', [op.listRemoveByIndex('l', 0)])],
    ['remove out of range', operate('lists', [op.listRemoveByIndex('l', 10)])],
    ['remove from missing bin', operate('lists', [op.listRemoveByIndex('nope', 0)])],
    ['append on string bin', operate('lists', [op.listAppend('s', 1)])],
    ['size of string bin', operate('lists', [op.listSize('s')])],
    ['several on one bin', operate('lists', [op.listAppend('l', 9), op.listSize('l'), op.listGetByIndex('l', 0)])],
    ['get', get('lists')],
  ]);
  add('op: maps', [
    ['seed', put('maps', { m: { a: 1, b: 2 }, s: 'str', n: 5 })],
    ['put', operate('maps', [op.mapPut('m', 'c', 3)])],
    ['put existing key', operate('maps', [op.mapPut('m', 'a', 10)])],
    ['put int key', operate('maps', [op.mapPut('m', 7, [1])])],
    ['get by key', operate('maps', [op.mapGetByKey('m', 'c')])],
    ['get by int key', operate('maps', [op.mapGetByKey('m', 7)])],
    ['get by missing key', operate('maps', [op.mapGetByKey('m', 'zz')])],
    ['remove by key', operate('maps', [op.mapRemoveByKey('m', 'a')])],
    ['remove missing key', operate('maps', [op.mapRemoveByKey('m', 'zz')])],
    ['size', operate('maps', [op.mapSize('m')])],
    ['size of missing bin', operate('maps', [op.mapSize('nope')])],
    ['get by key of missing bin', operate('maps', [op.mapGetByKey('nope', 'a')])],
    ['remove from missing bin', operate('maps', [op.mapRemoveByKey('nope', 'a')])],
    ['put on string bin', operate('maps', [op.mapPut('s', 'a', 1)])],
    ['size of string bin', operate('maps', [op.mapSize('s')])],
    ['get, add, map size (respond all ops)', operate('maps', [op.get('n'), op.add('n', 1), op.mapSize('m')])],
    ['get missing bin + map size', operate('maps', [op.get('zz'), op.mapSize('m')])],
    ['get', get('maps')],
  ]);

  // ---- scans ----------------------------------------------------------------------------------
  const scanSet = `${set}s`;
  const digests: Buffer[] = [];
  for (let i = 0; i < 400; i++) digests.push(computeDigest(scanSet, i));
  const byPartition = new Map<number, Buffer[]>();
  for (const d of digests) byPartition.set(partitionId(d), [...(byPartition.get(partitionId(d)) ?? []), d]);
  // partitions holding several records, so a resume point can fall inside one
  const crowded = [...byPartition.entries()].filter(([, ds]) => ds.length >= 2).slice(0, 3);
  const sorted = crowded.map(([pid, ds]) => [pid, [...ds].sort(Buffer.compare)] as const);
  const seeds = Array.from({ length: 400 }, (_, i) => encodePut({ namespace: 'test', set: scanSet, key: i }, { i }));
  let task = Math.floor(Math.random() * 2 ** 40);
  const scan = (label: string, options: Omit<Parameters<typeof encodePartitionScan>[0], 'namespace' | 'taskId'>): CheckStep => ({
    label,
    stream: true,
    request: encodePartitionScan({ namespace: 'test', set: scanSet, taskId: task++, ...options }),
  });
  add('scan: partition order and resume', [
    ...seeds.map((request, i): [string, Buffer] => [`seed ${i}`, request]),
    scan('three partitions', { partitionIds: crowded.map(([pid]) => pid) }),
    scan('three partitions, reversed', { partitionIds: crowded.map(([pid]) => pid).reverse() }),
    scan('resume after the first digest of each', { partitions: sorted.map(([pid, ds]) => ({ id: pid, digest: ds[0]! })) }),
    scan('resume after the last digest', { partitions: sorted.map(([pid, ds]) => ({ id: pid, digest: ds[ds.length - 1]! })) }),
    scan('resume after a digest not stored', { partitions: sorted.map(([pid]) => ({ id: pid, digest: Buffer.concat([Buffer.of(pid & 0xff, pid >> 8), Buffer.alloc(18, 0x80)]) })) }),
    scan('mixed fresh and resumed', { partitions: [{ id: sorted[0]![0] }, { id: sorted[1]![0], digest: sorted[1]![1][0]! }] }),
    { ...scan('max records 3', { partitionIds: crowded.map(([pid]) => pid), maxRecords: 3 }), compare: 'count' },
    { ...scan('max records over every partition', { maxRecords: 5, noBins: true }), compare: 'count' },
  ]);
  return cases;
}

/** Frames whose reply is not compared because it differs by design; kept for the record. */
export const rawOpFrame = (set: string): Buffer =>
  encodeAsMsg({ info1: 1, transactionTtl: 1000 }, [
    { type: FieldType.NAMESPACE, data: Buffer.from('test') },
    { type: FieldType.SET, data: Buffer.from(set) },
    { type: FieldType.DIGEST_RIPE, data: computeDigest(set, 'x') },
  ], [{ op: OpType.READ, particleType: ParticleType.NULL, name: Buffer.alloc(0), value: Buffer.alloc(0) }]);
