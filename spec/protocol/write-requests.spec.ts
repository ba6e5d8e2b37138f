import { encodeDelete, encodeGet, encodePut, encodeTouch, type PutOptions } from '../../lib/protocol/requests';
import type { ValueInput } from '../../lib/protocol/value';
import { captureFrames } from '../helpers/capture-vectors';
import { officialStep } from '../helpers/official-client-frames';

describe('write requests against the official client', () => {
  const puts: Array<[string, Record<string, ValueInput>, PutOptions]> = [
    ['put create_only', { a: 1 }, { exists: 'create_only' }],
    ['put update_only', { b: 2 }, { exists: 'update_only' }],
    ['put update_only missing', { b: 2 }, { exists: 'update_only' }],
    ['put replace_only', { c: 3 }, { exists: 'replace_only' }],
    ['put replace', { d: 4 }, { exists: 'replace' }],
    ['put generation 4', { e: 5 }, { generation: 4 }],
    ['put stale generation 1', { e: 5 }, { generation: 1 }],
    ['put sendKey ttl 500 durableDelete', { f: 6 }, { sendKey: true, ttlSeconds: 500, durableDelete: true }],
    ['put null bin', { f: null }, {}],
  ];
  for (const [label, bins, options] of puts) {
    it(`builds "${label}" byte for byte`, () => {
      const step = officialStep(label);
      expect(encodePut(step.key, bins, options).toString('hex')).toBe(step.request.toString('hex'));
    });
  }

  it('builds a delete with a generation (info2 WRITE | DELETE | GENERATION) byte for byte', () => {
    const step = officialStep('delete stale generation 1');
    expect(encodeDelete(step.key, { generation: 1 }).toString('hex')).toBe(step.request.toString('hex'));
  });

  it('builds a durable delete (info2 WRITE | DELETE | DURABLE_DELETE) byte for byte', () => {
    const step = officialStep('delete durable');
    expect(encodeDelete(step.key, { durableDelete: true }).toString('hex')).toBe(step.request.toString('hex'));
  });

  it('builds the touch of 09-misc-ops: info2 WRITE, the TTL, one TOUCH op without a bin', () => {
    const digest = Buffer.from('736457ae573ecc90b9341203c623f576d5051dae', 'hex');
    const touch = encodeTouch({ namespace: 'test', set: 'capmisc', digest }, { ttlSeconds: 3600 });
    expect(touch.toString('hex')).toBe(captureFrames('09-misc-ops', 'c2s')[1]!.toString('hex'));
  });
});

describe('write request options', () => {
  const key = { namespace: 'ns', set: '', key: 'k' } as const;

  it('keeps createOnly as an alias of exists create_only', () => {
    expect(encodePut(key, { a: 1 }, { createOnly: true })).toEqual(encodePut(key, { a: 1 }, { exists: 'create_only' }));
  });

  it('sends the user key with a touch and a delete when sendKey is set', () => {
    expect(encodeTouch(key, { sendKey: true }).readUInt16BE(26)).toBe(3);
    expect(encodeDelete(key, { sendKey: true }).readUInt16BE(26)).toBe(3);
  });

  it("writes an object's own enumerable bins in their order, as [name, value] pairs would, reading each getter once", () => {
    let reads = 0;
    const bins = Object.create({ inherited: 1 }, {
      b: { value: 'two', enumerable: true },
      hidden: { value: 3, enumerable: false },
      a: { get: () => (reads++, 1), enumerable: true },
    }) as Record<string, ValueInput>;
    expect(encodePut(key, bins)).toEqual(encodePut(key, [['b', 'two'], ['a', 1]]));
    expect(reads).toBe(1);
    expect(() => encodePut(key, {})).toThrowError(TypeError, 'a put needs at least one bin');
  });

  it('rejects an unknown exists policy and a createOnly that contradicts it, naming them', () => {
    expect(() => encodePut(key, { a: 1 }, { exists: 'upsert' as never })).toThrowError(TypeError, /^exists must be one of ignore, create_only, update_only, replace, replace_only, got upsert/);
    expect(() => encodePut(key, { a: 1 }, { exists: 'replace', createOnly: true })).toThrowError(TypeError, /createOnly conflicts with exists 'replace'/);
    expect(() => encodeTouch(key, { generation: -1 })).toThrowError(RangeError, /generation/);
    expect(() => encodePut(key, null as never)).toThrowError(TypeError, /bins must be an object/);
  });

  it('refuses a string bin with a lone surrogate, naming the bin, and builds the next put as before', () => {
    const good = encodePut(key, { a: 'ok', b: 'é' });
    expect(() => encodePut(key, { a: 'ok', b: 'é\uD800' })).toThrowError(TypeError, /^bins\.b: a string with a lone surrogate at index 1 cannot be sent as UTF-8$/);
    expect(() => encodePut(key, [['odd name', '\uDFFF']])).toThrowError(TypeError, /^bins\["odd name"\]: a string with a lone surrogate at index 0 /);
    expect(() => encodePut(key, { long: `${'😀'.repeat(50)}\uDC00` })).toThrowError(TypeError, /^bins\.long: a string with a lone surrogate at index 100 /);
    expect(encodePut(key, { a: 'ok', b: 'é' })).toEqual(good);
  });

  it('refuses a bin name with a lone surrogate, in a put and in a get', () => {
    expect(() => encodePut(key, { 'b\uD800': 1 })).toThrowError(TypeError, /^bin name "b\\ud800": a string with a lone surrogate at index 1 cannot be sent as UTF-8$/);
    expect(() => encodeGet(key, { bins: ['a', '\uDC00'] })).toThrowError(TypeError, /^bin name "\\udc00": a string with a lone surrogate at index 0 /);
  });
});
