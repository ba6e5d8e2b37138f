import { Info1, Info2, OpType, ParticleType } from '../../lib/protocol/constants';
import { decodeOperateReply, encodeOperate, type OperateOptions } from '../../lib/protocol/operate-request';
import { op, type Operation } from '../../lib/protocol/operations';
import type { Value } from '../../lib/protocol/value';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { captureFrames } from '../helpers/capture-vectors';
import { officialStep } from '../helpers/official-client-frames';

const NOW_MS = Date.UTC(2026, 0, 1);

describe('operate against the captures', () => {
  const key = { namespace: 'test', set: 'capmisc', digest: Buffer.from('736457ae573ecc90b9341203c623f576d5051dae', 'hex') };

  it('builds the operate of 09-misc-ops: incr, append, two reads (info1 READ, info2 WRITE)', () => {
    const frame = encodeOperate(key, [op.add('cnt', 1), op.append('s', 'd'), op.get('cnt'), op.get('s')]);
    expect(frame.toString('hex')).toBe(captureFrames('09-misc-ops', 'c2s')[0]!.toString('hex'));
  });

  it('decodes the 09-misc-ops operate reply into bins and ordered results', () => {
    const reply = decodeOperateReply(captureFrames('09-misc-ops', 's2c')[0]!.subarray(8), NOW_MS);
    expect({ ...reply.bins }).toEqual({ cnt: 2, s: 'abcd' });
    expect(reply.results).toEqual([{ bin: 'cnt', value: 2 }, { bin: 's', value: 'abcd' }]);
    expect(reply.generation).toBe(2);
    expect(reply.ttlSeconds).toBe(-1);
    expect(reply.resultCode).toBe(0);
  });

  it('keeps the empty-named null the server answers getHeader with, one result per op, out of the bins', () => {
    // what Aerospike 8.1.2 answers to [op.getHeader(), op.mapGetByKey('m', 'a')]: ('' → null), ('m' → 1)
    const body = asMsgRecord({ generation: 2, ops: [{ op: OpType.READ, name: '' }, { op: OpType.READ, name: 'm', value: 1 }] });
    const reply = decodeOperateReply(body, NOW_MS);
    expect(reply.results).toEqual([{ bin: '', value: null }, { bin: 'm', value: 1 }]);
    expect(Object.keys(reply.bins)).toEqual(['m']);
  });
});

describe('operate against the official client', () => {
  const cases: Array<[string, Operation[], OperateOptions?]> = [
    ['operate add', [op.add('n', 2)]],
    ['operate add + read', [op.add('n', 2), op.get('n')]],
    ['operate append + prepend + read', [op.append('s', 'z'), op.prepend('s', 'y'), op.get('s')]],
    ['operate write double + read', [op.put('w', 1.5), op.get('w')]],
    ['operate touch ttl 100', [op.touch()], { ttlSeconds: 100 }],
    ['operate list append', [op.listAppend('l', 'x')]],
    ['operate list getByIndex 1', [op.listGetByIndex('l', 1)]],
    ['operate list size', [op.listSize('l')]],
    ['operate list removeByIndex 0', [op.listRemoveByIndex('l', 0)]],
    ['operate list getByIndex out of range', [op.listGetByIndex('l', 10)]],
    ['operate list append, size, getByIndex 0', [op.listAppend('l', 9), op.listSize('l'), op.listGetByIndex('l', 0)]],
    ['operate map put', [op.mapPut('m', 'c', 3)]],
    ['operate map getByKey', [op.mapGetByKey('m', 'c')]],
    ['operate map getByKey missing', [op.mapGetByKey('m', 'zz')]],
    ['operate map removeByKey', [op.mapRemoveByKey('m', 'a')]],
    ['operate map size', [op.mapSize('m')]],
    ['operate read, add, map size', [op.get('n'), op.add('n', 1), op.mapSize('m')]],
    ['operate add on string', [op.add('s', 1)]],
    ['operate read + delete', [op.get('n'), op.delete()]],
  ];
  for (const [label, ops, options] of cases) {
    it(`builds "${label}" byte for byte`, () => {
      const step = officialStep(label);
      expect(encodeOperate(step.key, ops, options).toString('hex')).toBe(step.request.toString('hex'));
    });
  }

  const replies: Array<[string, Record<string, Value>, number]> = [
    ['operate add', {}, 0],
    ['operate add + read', { n: 9 }, 0],
    ['operate append + prepend + read', { s: 'yabcz' }, 0],
    ['operate write double + read', { w: 1.5 }, 0],
    ['operate list append', { l: 4 }, 0],
    ['operate list getByIndex 1', { l: 2 }, 0],
    ['operate list size', { l: 4 }, 0],
    ['operate list removeByIndex 0', { l: 1 }, 0],
    ['operate list getByIndex out of range', {}, 26],
    ['operate map put', { m: 3 }, 0],
    ['operate map getByKey', { m: 3 }, 0],
    ['operate map getByKey missing', { m: null }, 0],
    ['operate map removeByKey', { m: 1 }, 0],
    ['operate map size', { m: 2 }, 0],
    ['operate add on string', {}, 12],
    ['operate read + delete', { n: 10 }, 0],
  ];
  for (const [label, bins, resultCode] of replies) {
    it(`decodes the reply of "${label}"`, () => {
      const reply = decodeOperateReply(officialStep(label).reply.subarray(8), NOW_MS);
      expect(reply.resultCode).toBe(resultCode);
      expect({ ...reply.bins }).toEqual(bins);
    });
  }

  it('keeps the last result of a bin in bins, as the official client does, and every result in order', () => {
    const list = decodeOperateReply(officialStep('operate list append, size, getByIndex 0').reply.subarray(8), NOW_MS);
    expect(list.results).toEqual([{ bin: 'l', value: 4 }, { bin: 'l', value: 4 }, { bin: 'l', value: 2 }]);
    expect({ ...list.bins }).toEqual({ l: 2 });
    // RESPOND_ALL_OPS answers the write with null, which hides the read before it
    const mixed = decodeOperateReply(officialStep('operate read, add, map size').reply.subarray(8), NOW_MS);
    expect(mixed.results).toEqual([{ bin: 'n', value: 9 }, { bin: 'n', value: null }, { bin: 'm', value: 2 }]);
    expect({ ...mixed.bins }).toEqual({ n: null, m: 2 });
  });

  it('reports generation 0 and ttlSeconds -1 for the reply of an operate that deleted the record', () => {
    const reply = decodeOperateReply(officialStep('operate read + delete').reply.subarray(8), NOW_MS);
    expect(reply.generation).toBe(0);
    expect(reply.ttlSeconds).toBe(-1);
  });
});

describe('operate info bits', () => {
  const key = { namespace: 'ns', set: '', key: 'k' } as const;
  const bits = (ops: Operation[], options?: OperateOptions): { info1: number; info2: number; fields: number } => {
    const frame = encodeOperate(key, ops, options);
    return { info1: frame[9]!, info2: frame[10]!, fields: frame.readUInt16BE(26) };
  };

  it('sets GET_ALL for get() of every bin, with a READ op without a bin name', () => {
    expect(bits([op.get()]).info1).toBe(Info1.READ | Info1.GET_ALL);
    expect(op.get().wire).toEqual({ op: OpType.READ, particleType: ParticleType.NULL, name: Buffer.alloc(0), value: Buffer.alloc(0) });
  });

  it('sets NOBINDATA for getHeader() unless another op reads bins', () => {
    expect(bits([op.getHeader()]).info1).toBe(Info1.READ | Info1.NOBINDATA);
    expect(bits([op.getHeader(), op.listSize('l')]).info1).toBe(Info1.READ);
    expect(bits([op.getHeader(), op.put('a', 1)]).info1).toBe(Info1.READ | Info1.NOBINDATA);
  });

  it('sets RESPOND_ALL_OPS when a map op is present, for reads too', () => {
    expect(bits([op.mapSize('m')])).toEqual({ info1: Info1.READ, info2: Info2.RESPOND_ALL_OPS, fields: 2 });
    expect(bits([op.listSize('l')]).info2).toBe(0);
  });

  it('sends the user key only when an op writes', () => {
    expect(bits([op.get('a')], { sendKey: true }).fields).toBe(2);
    expect(bits([op.put('a', 1)], { sendKey: true }).fields).toBe(3);
  });

  it('applies write policies: exists, generation, durable delete, TTL', () => {
    const frame = encodeOperate(key, [op.add('n', 1)], { exists: 'update_only', generation: 7, durableDelete: true, ttlSeconds: 60 });
    expect(frame[10]).toBe(Info2.WRITE | Info2.GENERATION | Info2.DURABLE_DELETE);
    expect(frame[11]).toBe(0x08);
    expect(frame.readUInt32BE(14)).toBe(7);
    expect(frame.readUInt32BE(18)).toBe(60);
  });
});

describe('operation builders', () => {
  it('packs each CDT op as the Node client does', () => {
    const value = (o: Operation): string => `${o.wire.op}/${o.wire.particleType}/${Buffer.from(o.wire.value).toString('hex')}`;
    expect(value(op.listAppend('l', 'x'))).toBe('4/4/9201a20378');
    expect(value(op.listGetByIndex('l', -1))).toBe('3/4/931307ff');
    expect(value(op.listSize('l'))).toBe('3/4/9110');
    expect(value(op.listRemoveByIndex('l', 0))).toBe('4/4/93200700');
    expect(value(op.mapPut('m', 7, [1]))).toBe('4/4/944307910100');
    expect(value(op.mapGetByKey('m', Buffer.of(1)))).toBe('3/4/936107a20401');
    expect(value(op.mapRemoveByKey('m', 'a'))).toBe('4/4/934c07a20361');
    expect(value(op.mapSize('m'))).toBe('3/4/9160');
  });

  it('writes add as an INTEGER for integers and bigints, a DOUBLE for other numbers and Double()', () => {
    expect(op.add('n', 2n ** 40n).wire.particleType).toBe(ParticleType.INTEGER);
    expect(op.add('n', 0.5).wire.particleType).toBe(ParticleType.DOUBLE);
  });

  it('writes append and prepend of a Uint8Array as a BLOB', () => {
    expect(op.prepend('b', Uint8Array.of(1)).wire).toEqual({ op: OpType.PREPEND, particleType: ParticleType.BLOB, name: Buffer.from('b'), value: Buffer.of(1) });
  });

  it('builds frozen values naming their kind and bin', () => {
    const o = op.listSize('l');
    expect(o.kind).toBe('listSize');
    expect(o.bin).toBe('l');
    expect(Object.isFrozen(o)).toBe(true);
    expect(op.delete().bin).toBeUndefined();
  });

  it('rejects bad arguments where the operation is built, naming them', () => {
    expect(() => op.get('')).toThrowError(TypeError, /^op\.get: bin must be a non-empty string/);
    expect(() => op.add(7 as never, 1)).toThrowError(TypeError, /^op\.add: bin must be a non-empty string, got number/);
    expect(() => op.add('n', '1' as never)).toThrowError(TypeError, /^op\.add: value must be a number, bigint or Double/);
    expect(() => op.add('n', NaN)).toThrowError(RangeError, /^op\.add: value must be finite/);
    expect(() => op.add('n', 2 ** 60)).toThrowError(RangeError, /^op\.add value: .* is not a safe integer/);
    expect(() => op.append('s', 1 as never)).toThrowError(TypeError, /^op\.append: value must be a string or Uint8Array/);
    expect(() => op.listGetByIndex('l', 1.5)).toThrowError(RangeError, /^op\.listGetByIndex: index must be a safe integer/);
    expect(() => op.listRemoveByIndex('l', undefined as never)).toThrowError(RangeError, /index/);
    expect(() => op.mapPut('m', 1.5, 1)).toThrowError(TypeError, /^op\.mapPut key: number 1\.5 cannot be a map key/);
    expect(() => op.mapGetByKey('m', null)).toThrowError(TypeError, /^op\.mapGetByKey key: null cannot be a map key/);
    expect(() => op.put('tags', [1, undefined] as never)).toThrowError(TypeError, /^op\.put\("tags"\) value\[1\]: undefined/);
    expect(() => op.listAppend('l', new Date() as never)).toThrowError(TypeError, /^op\.listAppend\("l"\)\[1\]: a Date/);
    expect(() => op.get('x'.repeat(256))).toThrowError(RangeError, /bin name must be at most 255 bytes/);
  });

  it('refuses a string value or map key with a lone surrogate where the operation is built, naming it', () => {
    expect(() => op.append('s', 'a\uD800')).toThrowError(TypeError, /^op\.append\("s"\) value: a string with a lone surrogate at index 1 cannot be sent as UTF-8$/);
    expect(() => op.prepend('s', '\uDFFF')).toThrowError(TypeError, /^op\.prepend\("s"\) value: a string with a lone surrogate at index 0 /);
    expect(() => op.put('s', 'x\uDC00')).toThrowError(TypeError, /^op\.put\("s"\) value: a string with a lone surrogate at index 1 /);
    expect(() => op.listAppend('l', ['ok', '\uD800'])).toThrowError(TypeError, /^op\.listAppend\("l"\)\[1\]\[1\]: a string with a lone surrogate at index 0 /);
    expect(() => op.mapPut('m', 'k', { v: 'é\uDBFF' })).toThrowError(TypeError, /: a string with a lone surrogate at index 1 /);
    expect(() => op.mapPut('m', 'k\uD800', 1)).toThrowError(TypeError, /^op\.mapPut key: a map key with a lone surrogate at index 1 /);
    expect(() => op.mapGetByKey('m', '\uDFFF')).toThrowError(TypeError, /^op\.mapGetByKey key: a map key with a lone surrogate at index 0 /);
    expect(() => op.mapRemoveByKey('m', '\uDFFF')).toThrowError(TypeError, /^op\.mapRemoveByKey key: a map key with a lone surrogate/);
  });

  it('refuses a bin name with a lone surrogate where the operation is built', () => {
    expect(() => op.get('b\uD800')).toThrowError(TypeError, /^bin name "b\\ud800": a string with a lone surrogate at index 1 cannot be sent as UTF-8$/);
    expect(() => op.add('\uDC00', 1)).toThrowError(TypeError, /^bin name "\\udc00": /);
  });

  it('rejects an empty op list and anything that is not an Operation', () => {
    const key = { namespace: 'ns', set: '', key: 'k' } as const;
    expect(() => encodeOperate(key, [])).toThrowError(TypeError, /^ops must be a non-empty array/);
    expect(() => encodeOperate(key, [op.get('a'), { kind: 'get' } as never])).toThrowError(TypeError, /^ops\[1\] must be an Operation/);
  });
});
