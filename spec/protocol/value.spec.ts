import { walkAsMsgRecords } from '../../lib/protocol/as-msg';
import { ParticleType } from '../../lib/protocol/constants';
import { Double, isDouble } from '../../lib/protocol/double';
import { unpackValue } from '../../lib/protocol/msgpack-reader';
import { MSGPACK_MAX_DEPTH, packValue } from '../../lib/protocol/msgpack-writer';
import { RawValue } from '../../lib/protocol/raw-value';
import { decodeRecord, recordValues, ttlSecondsFromVoidTime, CITRUSLEAF_EPOCH_SECONDS } from '../../lib/protocol/record';
import { encodePut } from '../../lib/protocol/requests';
import { decodeBinValue, encodeBinValue, type Value, type ValueInput } from '../../lib/protocol/value';
import { captureFrames, hex } from '../helpers/capture-vectors';
import { expectParseError } from '../helpers/expect-parse-error';
import { officialStep } from '../helpers/official-client-frames';

const roundTrip = (value: ValueInput): Value => {
  const particle = encodeBinValue(value, 'bins.v');
  return decodeBinValue(particle.particleType, particle.bytes);
};
const msgpack = (value: ValueInput): string => packValue(value, 'v').toString('hex');

describe('bin values against the captures', () => {
  it('writes the put of 02-put from plain values: list [1, "two", 3.25] and map {a: 1, b: "x"}', () => {
    const bins = { s: 'hello', i: 42, neg: -7, f: 1.5, b: Buffer.from('deadbeef', 'hex'), l: [1, 'two', 3.25], m: { a: 1, b: 'x' } };
    const put = encodePut({ namespace: 'test', set: 'cap', key: 'put-digest-only' }, bins);
    expect(put.toString('hex')).toBe(captureFrames('02-put', 'c2s')[0]!.toString('hex'));
  });

  it('reads the seven bins of 04-get-existing as values', () => {
    const record = decodeRecord(captureFrames('04-get-existing', 's2c')[0]!.subarray(8));
    expect({ ...record.bins }).toEqual({ s: 'hello', i: 42, neg: -7, f: 1.5, b: Buffer.from('deadbeef', 'hex'), l: [1, 'two', 3.25], m: { a: 1, b: 'x' } });
  });
});

describe('bin values against the official client', () => {
  const cases: Array<[string, Record<string, ValueInput>]> = [
    ['put nested list', { l: [[1, [2, [3]]], { k: [null, false, true] }, -1, -33, -129, 200, 70000, 2 ** 40, -(2 ** 40), 1.25, 'é', Buffer.from('0102', 'hex')] }],
    ['put long strings and a 20-element list', { l: ['x'.repeat(40), 'y'.repeat(300), Array.from({ length: 20 }, (_, i) => i)] }],
    ['put unsorted object keys', { m: { b: 1, a: 2, c: { z: 1, y: [] } } }],
    ['put Map with integer and string keys', { m: new Map<ValueInput, ValueInput>([['b', 1], [2, 'x'], ['a', true]]) }],
    ['put Double, bool, bigint', { d: Double(2), b: true, big: 2n ** 62n, negbig: -(2n ** 63n), i: 2 ** 53 - 1 }],
    ['put empty list and map', { l: [], m: {} }],
  ];
  for (const [label, bins] of cases) {
    it(`builds "${label}" byte for byte`, () => {
      const step = officialStep(label);
      expect(encodePut(step.key, bins).toString('hex')).toBe(step.request.toString('hex'));
    });
  }

  it('reads back what the official client wrote, maps with a non-string key as a Map', () => {
    const { bins } = decodeRecord(officialStep('get all').reply.subarray(8));
    expect({ ...bins }).toEqual({ l: [], m: {}, d: 2, b: true, big: 2n ** 62n, negbig: -(2n ** 63n), i: 2 ** 53 - 1 });
    const nested = officialStep('put nested list');
    const list = decodeRecord(nested.request.subarray(8)).bins['l'];
    expect(list).toEqual([[1, [2, [3]]], { k: [null, false, true] }, -1, -33, -129, 200, 70000, 2 ** 40, -(2 ** 40), 1.25, 'é', Buffer.from('0102', 'hex')]);
    const map = decodeRecord(officialStep('put Map with integer and string keys').request.subarray(8)).bins['m'];
    expect(map).toEqual(new Map<Value, Value>([[2, 'x'], ['a', true], ['b', 1]]));
  });
});

describe('bin value particles', () => {
  it('writes an integral number as INTEGER and any other number as DOUBLE', () => {
    expect(encodeBinValue(7, 'v')).toEqual(new RawValue(ParticleType.INTEGER, hex('00 00 00 00 00 00 00 07')));
    expect(encodeBinValue(-0, 'v')).toEqual(new RawValue(ParticleType.INTEGER, Buffer.alloc(8)));
    expect(encodeBinValue(0.5, 'v')).toEqual(new RawValue(ParticleType.DOUBLE, hex('3f e0 00 00 00 00 00 00')));
    expect(encodeBinValue(NaN, 'v').particleType).toBe(ParticleType.DOUBLE);
    expect(encodeBinValue(-Infinity, 'v').particleType).toBe(ParticleType.DOUBLE);
  });

  it('writes Double(x) as a DOUBLE even when x is integral, and reads a DOUBLE back as a number', () => {
    const particle = encodeBinValue(Double(3), 'v');
    expect(particle).toEqual(new RawValue(ParticleType.DOUBLE, hex('40 08 00 00 00 00 00 00')));
    expect(decodeBinValue(particle.particleType, particle.bytes)).toBe(3);
    expect(isDouble(Double(3))).toBe(true);
    expect(isDouble({ value: 3 })).toBe(false);
    expect(+Double(1.5)).toBe(1.5);
    expect(JSON.stringify({ d: Double(2) })).toBe('{"d":2}');
  });

  it('writes a boolean as a one-byte BOOL, a Uint8Array as a BLOB and null as NULL', () => {
    expect(encodeBinValue(false, 'v')).toEqual(new RawValue(ParticleType.BOOL, Buffer.of(0)));
    expect(encodeBinValue(Uint8Array.of(1, 2), 'v')).toEqual(new RawValue(ParticleType.BLOB, Buffer.of(1, 2)));
    expect(encodeBinValue(null, 'v')).toEqual(new RawValue(ParticleType.NULL, Buffer.alloc(0)));
  });

  it('writes a RawValue unchanged and reads GeoJSON, HLL and unknown particles as RawValue', () => {
    const geo = new RawValue(ParticleType.GEOJSON, Buffer.from('\0\0\0{}'));
    expect(encodeBinValue(geo, 'v')).toBe(geo);
    expect(decodeBinValue(ParticleType.HLL, Buffer.of(1, 2))).toEqual(new RawValue(ParticleType.HLL, Buffer.of(1, 2)));
    expect(decodeBinValue(99, Buffer.of(7))).toEqual(new RawValue(99, Buffer.of(7)));
  });

  it('reads integers as numbers up to ±(2^53 − 1) and as bigints beyond', () => {
    for (const n of [0, 1, -1, 31, 32, -32, -33, 127, 128, -128, -129, 255, 256, 65535, 65536, -32768, -32769, 2 ** 32 - 1, 2 ** 32, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      expect(roundTrip(n)).withContext(`bin ${n}`).toBe(n);
      expect(roundTrip([n])).withContext(`list element ${n}`).toEqual([n]);
    }
    for (const n of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
      expect(roundTrip(n)).withContext(`bin ${n}`).toBe(n);
      expect(roundTrip([n])).withContext(`list element ${n}`).toEqual([n]);
    }
    expect(roundTrip(5n)).toBe(5);
  });

  it('packs integers in their smallest msgpack form, as the C client does', () => {
    expect(msgpack([0, 127, 128, 255, 256, 65536, 2 ** 32, -1, -32, -33, -128, -129, -32769, -(2 ** 31) - 1])).toBe(
      '9e' + '00' + '7f' + 'cc80' + 'ccff' + 'cd0100' + 'ce00010000' + 'cf0000000100000000' + 'ff' + 'e0' + 'd0df' + 'd080' + 'd1ff7f' + 'd2ffff7fff' + 'd3ffffffff7fffffff',
    );
  });

  it('packs strings and blobs with the str header family and their particle-type prefix', () => {
    expect(msgpack('')).toBe('a103');
    expect(msgpack('é')).toBe('a303c3a9');
    expect(msgpack('x'.repeat(31))).toBe('d920' + '03' + '78'.repeat(31));
    expect(msgpack(Buffer.of(1, 2))).toBe('a3040102');
    expect(msgpack(new RawValue(ParticleType.GEOJSON, Buffer.from('{}')))).toBe('a3177b7d');
    expect(packValue('z'.repeat(70_000), 'v').subarray(0, 6).toString('hex')).toBe('db0001117103');
  });

  it('round-trips every value type nested in lists and maps', () => {
    const value: ValueInput = {
      s: 'hello',
      u: 'héllo wörld ✓ 𝄞',
      e: '',
      n: [0, -1, 2 ** 40, -(2 ** 40), 2n ** 62n, 1.25, Double(4), NaN, Infinity],
      b: [true, false, null],
      blob: Uint8Array.of(0, 255),
      empty: [[], {}, new Map()],
      deep: { a: [{ b: [{ c: 'd' }] }] },
      keys: new Map<ValueInput, ValueInput>([[-5n, 'neg'], [2, 'int'], ['s', 'str'], [Buffer.of(9), 'bytes']]),
      long: ['x'.repeat(300), Array.from({ length: 70 }, (_, i) => i), Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))],
    };
    const decoded = roundTrip(value) as Record<string, Value>;
    // jasmine matches Map keys by identity: compare a Map's entries
    expect([...(decoded['keys'] as Map<Value, Value>)]).toEqual([[-5, 'neg'], [2, 'int'], ['s', 'str'], [Buffer.of(9), 'bytes']]);
    expect<unknown>({ ...decoded, keys: null }).toEqual({
      s: 'hello',
      u: 'héllo wörld ✓ 𝄞',
      e: '',
      n: [0, -1, 2 ** 40, -(2 ** 40), 2n ** 62n, 1.25, 4, NaN, Infinity],
      b: [true, false, null],
      blob: Buffer.of(0, 255),
      empty: [[], {}, {}],
      deep: { a: [{ b: [{ c: 'd' }] }] },
      keys: null,
      long: ['x'.repeat(300), Array.from({ length: 70 }, (_, i) => i), Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))],
    });
  });

  it('orders map keys as the server does: integers, then strings by UTF-8 bytes, then byte arrays', () => {
    expect(msgpack(new Map<ValueInput, ValueInput>([[Buffer.of(0), 0], ['a', 0], [10, 0], [-1n, 0]]))).toBe('85c70001c0' + 'ff00' + '0a00' + 'a2036100' + 'a2040000');
    // UTF-16 order would put the astral character first
    expect(msgpack({ '\uffff': 1, '\u{1F600}': 2, b: 3, a: 4 })).toBe('85c70001c0' + 'a2036104' + 'a2036203' + 'a403efbfbf01' + 'a503f09f988002');
  });

  it('packs a plain object in the same key order as the equivalent Map around U+FFFF, astral characters and surrogate pairs', () => {
    // every string the writer accepts is well-formed, and for those UTF-16 order with surrogates
    // lifted above U+E000..U+FFFF is the order of the UTF-8 bytes the server compares
    const keys = ['', 'a', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '\uD7FF', '\uE000', '\uFFFD', '\uFFFE', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{1F601}', '\u{10FFFF}',
      'x', 'x\uFFFF', 'x\uFFFFa', 'x\u{1F600}', 'x\u{1F600}a', '\u{1F600}\uFFFF', '\u{1F600}\u{10000}', '\uFFFF\u{1F600}'];
    // a reversed order to sort; more than 16 keys go through Array.sort, fewer through the insertion sort
    for (const subset of [keys, keys.slice(0, 16), keys.slice(8), keys.filter((_, i) => i % 3 === 0)]) {
      const entries = [...subset].reverse().map((k, i): [string, number] => [k, i]);
      expect(msgpack(Object.fromEntries(entries))).withContext(`${subset.length} keys`).toBe(msgpack(new Map<ValueInput, ValueInput>(entries)));
    }
  });

  it('reads a map with string keys as a plain object whose __proto__ key is an own data property', () => {
    const value = roundTrip(new Map<ValueInput, ValueInput>([['__proto__', { polluted: true }], ['constructor', 1]])) as Record<string, Value>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('reads a map with any non-string key as a Map', () => {
    expect(unpackValue(hex('82 a2 03 61 01 05 02'))).toEqual(new Map<Value, Value>([['a', 1], [5, 2]]));
  });

  it('skips the flags of a key-ordered map and of an ordered list', () => {
    expect(unpackValue(hex('82 c7 00 01 c0 a2 03 61 01'))).toEqual({ a: 1 });
    expect(unpackValue(hex('93 c7 00 01 01 02'))).toEqual([1, 2]);
  });

  it('reads float32, a bare empty str as an empty Buffer and a uint64 above 2^63 wrapped to signed, as the C client does', () => {
    expect(unpackValue(hex('91 ca 3f c0 00 00'))).toEqual([1.5]);
    expect(unpackValue(hex('91 a0'))).toEqual([Buffer.alloc(0)]);
    expect(unpackValue(hex('91 cf ff ff ff ff ff ff ff ff'))).toEqual([-1]);
    expect(unpackValue(hex('91 cf 80 00 00 00 00 00 00 00'))).toEqual([-(2n ** 63n)]);
  });

  it('reads a str entry with another particle prefix as a RawValue of that type', () => {
    expect(unpackValue(hex('91 a3 17 7b 7d'))).toEqual([new RawValue(ParticleType.GEOJSON, Buffer.from('{}'))]);
  });
});

describe('bin value errors at call time', () => {
  const typeError = (value: unknown, path: RegExp): void => {
    expect(() => encodeBinValue(value as ValueInput, 'bins.tags')).toThrowMatching((e: unknown) => e instanceof TypeError && path.test((e as Error).message));
  };

  it('names the path of an unsupported value: function, symbol, undefined, Date, class instance', () => {
    typeError([1, 2, undefined], /^bins\.tags\[2\]: undefined is not a storable value/);
    typeError({ a: { 'b c': () => 1 } }, /^bins\.tags\.a\["b c"\]: a function/);
    typeError([Symbol('s')], /^bins\.tags\[0\]: a symbol/);
    typeError({ when: new Date(0) }, /^bins\.tags\.when: a Date/);
    typeError([new (class Point {})()], /^bins\.tags\[0\]: a Point/);
    typeError(new Map([[1, new Set()]]), /^bins\.tags\[1\]: a Set/);
    typeError(undefined, /^bins\.tags: undefined/);
  });

  it('names a cyclic value and where it repeats', () => {
    const tags: ValueInput[] = ['a'];
    tags.push(tags);
    typeError(tags, /^bins\.tags is cyclic: it contains itself at bins\.tags\[1\]$/);
    const node: { next?: unknown } = {};
    node.next = { back: node };
    typeError(node, /^bins\.tags is cyclic: it contains itself at bins\.tags\.next\.back$/);
  });

  it('refuses map keys the server refuses: NaN, doubles, booleans, null, lists; and duplicates', () => {
    typeError(new Map([[NaN, 1]]), /^bins\.tags\[NaN\]: number NaN cannot be a map key/);
    typeError(new Map([[1.5, 1]]), /^bins\.tags\[1\.5\]: number 1\.5 cannot be a map key/);
    typeError(new Map([[Double(1), 1]]), /cannot be a map key/);
    typeError(new Map([[true, 1]]), /^bins\.tags\[boolean true\]: boolean true cannot be a map key/);
    typeError(new Map([[null, 1]]), /cannot be a map key/);
    typeError(new Map([[[1], 1]]), /^bins\.tags\[an Array\]: an Array cannot be a map key/);
    typeError(new Map<ValueInput, ValueInput>([[1, 'a'], [1n, 'b']]), /^bins\.tags\[1\]: duplicate map key/);
  });

  it('refuses integers beyond 64 bits and unsafe integral numbers with a RangeError suggesting bigint', () => {
    expect(() => encodeBinValue(2 ** 53, 'bins.n')).toThrowError(RangeError, /^bins\.n: 9007199254740992 is not a safe integer; pass a bigint/);
    expect(() => encodeBinValue([1, 1e20], 'bins.n')).toThrowError(RangeError, /^bins\.n\[1\]: 100000000000000000000 is not a safe integer/);
    expect(() => encodeBinValue(2n ** 63n, 'bins.n')).toThrowError(RangeError, /^bins\.n: 9223372036854775808 does not fit in 64 signed bits/);
    expect(() => encodeBinValue([-(2n ** 63n) - 1n], 'bins.n')).toThrowError(RangeError, /^bins\.n\[0\]: .* does not fit in 64 signed bits/);
  });

  it(`refuses lists and maps nested deeper than ${MSGPACK_MAX_DEPTH}`, () => {
    let value: ValueInput = 1;
    for (let i = 0; i < MSGPACK_MAX_DEPTH; i++) value = [value];
    expect(() => encodeBinValue(value, 'bins.l')).not.toThrow();
    expect(() => encodeBinValue([value], 'bins.l')).toThrowError(RangeError, /nest at most 256 deep/);
  });

  it('refuses a string with a lone surrogate, naming the path and the index, instead of writing U+FFFD', () => {
    typeError('a\uD800b', /^bins\.tags: a string with a lone surrogate at index 1 cannot be sent as UTF-8$/);
    typeError('\uDFFF', /^bins\.tags: a string with a lone surrogate at index 0 /);
    typeError('ok \uD83D', /^bins\.tags: a string with a lone surrogate at index 3 /);
    typeError('\uDE00\uD83D', /^bins\.tags: a string with a lone surrogate at index 0 /);
    typeError(`😀${'x'.repeat(300)}\uDBFF`, /^bins\.tags: a string with a lone surrogate at index 302 /);
  });

  it('refuses a string with a lone surrogate nested in a list or a map, short or long', () => {
    typeError(['ok', 'a\uDC00'], /^bins\.tags\[1\]: a string with a lone surrogate at index 1 /);
    typeError({ a: { b: `${'x'.repeat(40)}\uD800` } }, /^bins\.tags\.a\.b: a string with a lone surrogate at index 40 /);
    typeError(new Map<ValueInput, ValueInput>([[1, ['é\uDBFF']]]), /^bins\.tags\[1\]\[0\]: a string with a lone surrogate at index 1 /);
  });

  it('refuses a map key with a lone surrogate, in a plain object as in a Map, instead of sending it out of order', () => {
    // as U+FFFD (EF BF BD) the object's key would sort below '\uFFFF', where the UTF-16 order did not put it
    typeError({ '\uD800x': 1, '\uFFFF': 2, a: 3 }, /^bins\.tags\["\\ud800x"\]: a map key with a lone surrogate at index 0 cannot be sent as UTF-8$/);
    typeError(new Map([['\uD800x', 1], ['\uFFFF', 2], ['a', 3]]), /^bins\.tags\["\\ud800x"\]: a map key with a lone surrogate at index 0 cannot be sent as UTF-8$/);
    // both would have been EF BF BD: one key twice
    typeError({ '\uD800': 1, '\uDC00': 2 }, /: a map key with a lone surrogate at index 0 /);
    typeError(new Map([['\uD800', 1], ['\uDC00', 2]]), /: a map key with a lone surrogate at index 0 /);
  });

  it('refuses nesting a RawValue that is not byte-like', () => {
    expect(() => encodeBinValue([new RawValue(ParticleType.LIST, Buffer.of(0x90))], 'bins.l')).toThrowError(TypeError, /^bins\.l\[0\]: a RawValue of particle type 20 cannot be nested/);
  });
});

describe('bin value decoding of hostile bytes', () => {
  /** Every list and map particle in the captures and the official-client replies, plus our own encodings. */
  const particles: Array<[number, Buffer]> = [
    [ParticleType.LIST, hex('9301a40374776fcb400a000000000000')],
    [ParticleType.MAP, hex('83c70001c0a2036101a20362a20378')],
    ...['put nested list', 'put long strings and a 20-element list', 'put unsorted object keys', 'put Map with integer and string keys'].map((label): [number, Buffer] => {
      const body = officialStep(label).request.subarray(8);
      let particle: [number, Buffer] | undefined;
      walkAsMsgRecords(body, (span) => {
        const at = span.opsOffset;
        particle = [body[at + 5]!, body.subarray(at + 8 + body[at + 7]!, at + 4 + body.readUInt32BE(at))];
      });
      return particle!;
    }),
  ];

  it('finds the real list and map particles', () => {
    expect(particles.map(([type]) => type)).toEqual([20, 19, 20, 20, 19, 19]);
    for (const [type, bytes] of particles) expect(() => decodeBinValue(type, bytes)).not.toThrow();
  });

  it('gives a parse_error for every truncation of every real list and map particle', () => {
    let cuts = 0;
    for (const [type, bytes] of particles) {
      for (let cut = 0; cut < bytes.length; cut++) {
        expectParseError(() => decodeBinValue(type, bytes.subarray(0, cut)));
        cuts++;
      }
    }
    expect(cuts).toBeGreaterThan(500);
  });

  it('gives a parse_error for trailing bytes, an invalid type byte and a particle of the wrong container type', () => {
    expectParseError(() => decodeBinValue(ParticleType.LIST, hex('91 01 02')), '1 trailing bytes');
    expectParseError(() => decodeBinValue(ParticleType.LIST, hex('91 c1')), 'invalid type byte 0xc1');
    expectParseError(() => decodeBinValue(ParticleType.LIST, hex('81 a2 03 61 01')), 'a list particle starts with type byte 0x81');
    expectParseError(() => decodeBinValue(ParticleType.MAP, hex('90')), 'a map particle starts with type byte 0x90');
    expectParseError(() => decodeBinValue(ParticleType.MAP, Buffer.alloc(0)), 'empty map particle');
  });

  it('refuses declared lengths beyond the bytes left before allocating anything', () => {
    expectParseError(() => unpackValue(hex('dd ff ff ff ff 01')), 'list declares 4294967295 elements, 1 bytes remain');
    expectParseError(() => unpackValue(hex('df ff ff ff ff 01 01')), 'map declares 4294967295 entries, 2 bytes remain');
    expectParseError(() => unpackValue(hex('db ff ff ff ff 03')), 'truncated: need 4294967295 more bytes');
    expectParseError(() => unpackValue(hex('c9 ff ff ff ff 01')), 'truncated');
  });

  it('gives a parse_error for ext values other than leading flags, wildcard and infinity included', () => {
    // a leading ext element is a list's flags, skipped as the C unpacker skips it
    expect(unpackValue(hex('92 d4 ff 01 07'))).toEqual([7]);
    expectParseError(() => unpackValue(hex('92 01 d4 ff 00')), 'ext type 0xff is not a stored value');
    expectParseError(() => unpackValue(hex('92 01 d4 ff 01')), 'ext type 0xff is not a stored value');
    expectParseError(() => unpackValue(hex('82 a2 03 61 c7 00 01 01 02')), 'ext type 0x1 is not a stored value');
  });

  it(`gives a parse_error for nesting deeper than ${MSGPACK_MAX_DEPTH}, without exhausting the stack`, () => {
    expect(() => unpackValue(Buffer.concat([Buffer.alloc(MSGPACK_MAX_DEPTH, 0x91), Buffer.of(1)]))).not.toThrow();
    expectParseError(() => unpackValue(Buffer.concat([Buffer.alloc(MSGPACK_MAX_DEPTH + 1, 0x91), Buffer.of(1)])), 'nested deeper than 256');
    expectParseError(() => unpackValue(Buffer.alloc(100_000, 0x81)), 'nested deeper than 256');
  });
});

describe('record values for the client', () => {
  const nowMs = (CITRUSLEAF_EPOCH_SECONDS + 1000) * 1000 + 400;

  it('reports ttlSeconds -1 for a record that never expires', () => {
    expect(ttlSecondsFromVoidTime(0, nowMs)).toBe(-1);
  });

  it('reports the seconds left until the void time', () => {
    expect(ttlSecondsFromVoidTime(1100, nowMs)).toBe(100);
  });

  it('reports 1, never 0 or less, for a void time the local clock has passed', () => {
    expect(ttlSecondsFromVoidTime(1000, nowMs)).toBe(1);
    expect(ttlSecondsFromVoidTime(10, nowMs)).toBe(1);
  });

  it('gives bins, generation and ttlSeconds of a decoded reply', () => {
    const touched = decodeRecord(captureFrames('09-misc-ops', 's2c')[1]!.subarray(8));
    const at = (CITRUSLEAF_EPOCH_SECONDS + 533013608 - 3600) * 1000;
    expect(recordValues(touched, at)).toEqual({ bins: touched.bins, generation: 3, ttlSeconds: 3600 });
  });
});
