// How the CLI prints values and records as JSON: every Value kind, nested.
import { Double, RawValue, type AerospikeRecord } from '../../lib/index';
import { jsonValue, recordJson } from '../../bin/json-value';

describe('CLI JSON values', () => {
  it('prints bigints as decimal strings, blobs as hex and Doubles as numbers', () => {
    expect(jsonValue(2n ** 64n)).toBe('18446744073709551616');
    expect(jsonValue(Buffer.from([0, 255, 16]))).toBe('00ff10');
    expect(jsonValue(new Uint8Array([1, 2]))).toBe('0102');
    expect(jsonValue(Double(2))).toBe(2);
  });

  it('prints a Map as [key, value] pairs and a raw particle as its type and hex', () => {
    expect(jsonValue(new Map<never, never>([[1 as never, 'a' as never], [Buffer.from('k') as never, 2n as never]]))).toEqual([
      [1, 'a'],
      ['6b', '2'],
    ]);
    expect(jsonValue(new RawValue(23, Buffer.from('{}')))).toEqual({ particleType: 23, hex: '7b7d' });
  });

  it('converts inside lists and objects, at any depth', () => {
    expect(jsonValue([1, [2n, { b: Buffer.from([9]), m: new Map([['x', Double(1.5)]]) }], null, true, 'ok'])).toEqual([1, ['2', { b: '09', m: [['x', 1.5]] }], null, true, 'ok']);
  });

  it('prints a record as key (digest in hex), generation, ttlSeconds and bins', () => {
    const record: AerospikeRecord = { key: { namespace: 'test', set: 's', key: 7n, digest: new Uint8Array([0xab, 0xcd]) }, bins: { n: 2n ** 63n }, generation: 3, ttlSeconds: -1 };
    expect(JSON.stringify(recordJson(record))).toBe('{"key":{"namespace":"test","set":"s","key":"7","digest":"abcd"},"generation":3,"ttlSeconds":-1,"bins":{"n":"9223372036854775808"}}');
  });
});
