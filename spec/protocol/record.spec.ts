import { decodeRecord, decodeRecords, voidTimeToDate } from '../../lib/protocol/record';
import { encodeAsMsg } from '../../lib/protocol/as-msg-encoder';
import { RawValue } from '../../lib/protocol/raw-value';
import { captureFrames, hex } from '../helpers/capture-vectors';

const body = (frame: Buffer): Buffer => frame.subarray(8);

describe('record decoder', () => {
  it('decodes the seven bins of the 04-get-existing get-all reply', () => {
    const record = decodeRecord(body(captureFrames('04-get-existing', 's2c')[0]!));
    expect(record.resultCode).toBe(0);
    expect(record.generation).toBe(1);
    expect(record.voidTime).toBe(0);
    expect(Object.keys(record.bins)).toEqual(['s', 'i', 'neg', 'f', 'b', 'l', 'm']);
    expect(record.bins['s']).toBe('hello');
    expect(record.bins['i']).toBe(42);
    expect(record.bins['neg']).toBe(-7);
    expect(record.bins['f']).toBe(1.5);
    expect(record.bins['b']).toEqual(Buffer.from('deadbeef', 'hex'));
  });

  it('decodes the list and map bins of 04-get-existing from Aerospike msgpack', () => {
    const { bins } = decodeRecord(body(captureFrames('04-get-existing', 's2c')[0]!));
    expect(bins['l']).toEqual([1, 'two', 3.25]);
    expect(bins['m']).toEqual({ a: 1, b: 'x' });
  });

  it('decodes the named-bins and header-only replies of 04-get-existing', () => {
    const [, named, header] = captureFrames('04-get-existing', 's2c');
    expect({ ...decodeRecord(body(named!)).bins }).toEqual({ s: 'hello', i: 42 });
    const exists = decodeRecord(body(header!));
    expect(exists.generation).toBe(1);
    expect(Object.keys(exists.bins)).toEqual([]);
  });

  it('reads result code 2 from the 03-get-missing reply', () => {
    expect(decodeRecord(body(captureFrames('03-get-missing', 's2c')[0]!)).resultCode).toBe(2);
  });

  it('reads batch indices from the transaction-ttl slot and rc 2 for the missing key of 07-batch-get', () => {
    const [data, last] = captureFrames('07-batch-get', 's2c');
    const records = decodeRecords(body(data!));
    expect(records.map((r) => r.batchIndex)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(records.map((r) => r.resultCode)).toEqual([0, 0, 0, 0, 0, 2, 0]);
    expect({ ...records[4]!.bins }).toEqual({ n: 4, tag: 'row-4' });
    expect({ ...records[6]!.bins }).toEqual({ s: 'hello' });
    expect(decodeRecord(body(last!)).last).toBe(true);
  });

  it('decodes namespace, digest, set, integer key and bins of every 05-scan-50-small record', () => {
    const frames = captureFrames('05-scan-50-small', 's2c');
    const records = frames.slice(0, 4).flatMap((frame) => decodeRecords(body(frame)));
    expect(records.length).toBe(50);
    const first = records[0]!;
    expect(first.namespace).toBe('test');
    expect(first.set).toBe('cap50');
    expect(first.digest!.toString('hex')).toBe('2420d7241b74a4171f07767b71e4e8a666ee197c');
    expect(first.key).toBe(8);
    expect({ ...first.bins }).toEqual({ n: 8, tag: 'row-8' });
    expect(records.map((r) => r.key).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(records.every((r) => !r.last)).toBe(true);
  });

  it('marks the separate 30-byte LAST frame of 05-scan-50-small as last', () => {
    const records = decodeRecords(body(captureFrames('05-scan-50-small', 's2c')[4]!));
    expect(records.length).toBe(1);
    expect(records[0]!.last).toBe(true);
  });

  it('reads the void time of the 09-misc-ops touch reply and converts it to a date after 2010', () => {
    const record = decodeRecord(body(captureFrames('09-misc-ops', 's2c')[1]!));
    expect(record.generation).toBe(3);
    expect(record.voidTime).toBe(533013608);
    expect(voidTimeToDate(record.voidTime)!.toISOString()).toBe(new Date((1_262_304_000 + 533013608) * 1000).toISOString());
    expect(voidTimeToDate(0)).toBeUndefined();
  });

  it('decodes the V2 found reply of protocol.md §8', () => {
    const record = decodeRecord(
      body(hex('02 03 00 00 00 00 00 28 16 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 0e 01 03 00 04 62 69 6e 31 76 61 6c 75 65 31')),
    );
    expect({ ...record.bins }).toEqual({ bin1: 'value1' });
  });

  it('returns integers beyond 2^53 as bigint and smaller ones as number', () => {
    const value = (v: bigint): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(v);
      return b;
    };
    const frame = encodeAsMsg({}, [], [
      { op: 1, particleType: 1, name: Buffer.from('big'), value: value(2n ** 62n) },
      { op: 1, particleType: 1, name: Buffer.from('safe'), value: value(BigInt(Number.MAX_SAFE_INTEGER)) },
      { op: 1, particleType: 17, name: Buffer.from('t'), value: Buffer.of(1) },
      { op: 1, particleType: 0, name: Buffer.from('n'), value: Buffer.alloc(0) },
      { op: 1, particleType: 23, name: Buffer.from('g'), value: Buffer.of(0, 0, 0, 0x7b, 0x7d) },
    ]);
    const { bins } = decodeRecord(body(frame));
    expect(bins['big']).toBe(2n ** 62n);
    expect(bins['safe']).toBe(Number.MAX_SAFE_INTEGER);
    expect(bins['t']).toBe(true);
    expect(bins['n']).toBeNull();
    expect(bins['g']).toEqual(new RawValue(23, Buffer.of(0, 0, 0, 0x7b, 0x7d)));
  });

  it('returns bins in a null-prototype object', () => {
    expect(Object.getPrototypeOf(decodeRecord(body(captureFrames('04-get-existing', 's2c')[0]!)).bins)).toBeNull();
  });

  it('throws a parse_error for a truncated record or a malformed integer', () => {
    const good = body(captureFrames('04-get-existing', 's2c')[0]!);
    expect(() => decodeRecords(good.subarray(0, good.length - 1))).toThrowMatching((e) => e.code === 'parse_error');
    const bad = encodeAsMsg({}, [], [{ op: 1, particleType: 1, name: Buffer.from('i'), value: Buffer.of(1) }]);
    expect(() => decodeRecord(body(bad))).toThrowMatching((e) => e.code === 'parse_error' && /8 bytes/.test(e.message));
  });

  it('throws a parse_error when a single-record reply holds several records', () => {
    expect(() => decodeRecord(body(captureFrames('07-batch-get', 's2c')[0]!))).toThrowMatching(
      (e) => e.code === 'parse_error' && /got 7/.test(e.message),
    );
  });
});
