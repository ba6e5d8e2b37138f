import { encodeAsMsg, nameBytes } from '../../lib/protocol/as-msg-encoder';
import { FieldType, Info2, OpType } from '../../lib/protocol/constants';
import { Double } from '../../lib/protocol/double';
import { encodePut, keyFields } from '../../lib/protocol/requests';
import { encodeBinValue, type ValueInput } from '../../lib/protocol/value';

/** The two-pass layout encodeAsMsg makes: what the one-pass put writer must match byte for byte. */
function twoPassPut(bins: ReadonlyArray<readonly [string, ValueInput]>): Buffer {
  const key = { namespace: 'test', set: 'demo', key: 'k1' };
  const ops = bins.map(([name, value]) => {
    const raw = encodeBinValue(value, name);
    return { op: OpType.WRITE, particleType: raw.particleType, name: nameBytes(name), value: raw.bytes };
  });
  return encodeAsMsg({ info2: Info2.WRITE, transactionTtl: 1000 }, keyFields(key), ops);
}

describe('FrameWriter (through encodePut)', () => {
  const key = { namespace: 'test', set: 'demo', key: 'k1' };

  it('lays out every kind of bin value as the two-pass encoder does', () => {
    const bins: Array<readonly [string, ValueInput]> = [
      ['s', 'hello'],
      ['u', 'ñ名😀'],
      ['empty', ''],
      ['i', 42],
      ['neg', -(2 ** 40) - 7],
      ['max', Number.MAX_SAFE_INTEGER],
      ['big', 2n ** 62n],
      ['d', 1.25],
      ['dd', Double(3)],
      ['t', true],
      ['f', false],
      ['n', null],
      ['blob', Buffer.from([1, 2, 3])],
      ['u8', Uint8Array.of(4, 5)],
      ['list', [1, 'a', [true]]],
      ['map', { a: 1, b: { c: 'x' } }],
    ];
    expect(encodePut(key, bins).toString('hex')).toBe(twoPassPut(bins).toString('hex'));
  });

  it('grows past its scratch size for a large value, and the next put is laid out from the start', () => {
    const large = 'x'.repeat(100_000);
    expect(encodePut(key, [['big', large]]).toString('hex')).toBe(twoPassPut([['big', large]]).toString('hex'));
    expect(encodePut(key, [['s', 'small']]).toString('hex')).toBe(twoPassPut([['s', 'small']]).toString('hex'));
  });

  it('returns a frame of its own: a later put does not change an earlier one', () => {
    const first = encodePut(key, { a: 'one' });
    const copy = Buffer.from(first);
    encodePut(key, { a: 'two', b: 'three' });
    expect(first).toEqual(copy);
  });

  it('encodes a put run from inside a put (a getter in a map bin) without mixing the two frames', () => {
    let inner: Buffer | undefined;
    const nested = {
      get c(): number {
        inner = encodePut(key, { z: 'inner' });
        return 1;
      },
    };
    // the getter runs while the outer put is half written into the shared scratch buffer
    const outer = encodePut(key, [
      ['a', 'outer'],
      ['m', nested],
    ]);
    expect(inner!.toString('hex')).toBe(twoPassPut([['z', 'inner']]).toString('hex'));
    expect(outer.toString('hex')).toBe(twoPassPut([['a', 'outer'], ['m', { c: 1 }]]).toString('hex'));
  });

  it('names the bin of an unsafe integer or unstorable value, and the next put is whole', () => {
    expect(() => encodePut(key, { count: 2 ** 60 })).toThrowError(RangeError, /bins\.count: .* is not a safe integer/);
    expect(() => encodePut(key, { 'odd name': undefined as unknown as ValueInput })).toThrowError(TypeError, /bins\["odd name"\]/);
    expect(encodePut(key, [['s', 'ok']]).toString('hex')).toBe(twoPassPut([['s', 'ok']]).toString('hex'));
  });

  it('writes the namespace, set and digest fields in the order the clients send them', () => {
    const frame = encodePut(key, { a: 1 });
    // the first field after the 8 + 22 header bytes
    expect(frame[30 + 4]).toBe(FieldType.NAMESPACE);
  });
});
