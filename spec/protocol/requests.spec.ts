import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { encodeBatchGet, type BatchGetKey } from '../../lib/protocol/batch-request';
import { rawParticle, asDouble, type BinValue } from '../../lib/protocol/particle';
import { encodeDelete, encodeExists, encodeGet, encodePut } from '../../lib/protocol/requests';
import { encodePartitionScan } from '../../lib/protocol/scan-request';
import { captureFrames, hex } from '../helpers/capture-vectors';

const existing = { namespace: 'test', set: 'cap', key: 'existing' } as const;
/** The bins of captures/02-put: list and map are msgpack bytes passed as raw particles. */
const capturedBins: Record<string, BinValue> = {
  s: 'hello',
  i: 42,
  neg: -7,
  f: 1.5,
  b: Buffer.from('deadbeef', 'hex'),
  l: rawParticle(20, Buffer.from('9301a40374776fcb400a000000000000', 'hex')),
  m: rawParticle(19, Buffer.from('83c70001c0a2036101a20362a20378', 'hex')),
};
/** The inner frame of a captured type-4 request. */
function inflated(frame: Buffer): Buffer {
  return inflateSync(frame.subarray(16));
}

describe('request builders against the captured client requests', () => {
  it('builds the digest-only put of 02-put (string, integers, float, blob, list, map bins)', () => {
    const put = encodePut({ namespace: 'test', set: 'cap', key: 'put-digest-only' }, capturedBins);
    expect(put.toString('hex')).toBe(captureFrames('02-put', 'c2s')[0]!.toString('hex'));
  });

  it('builds the send-key put of 02-put with a string KEY field', () => {
    const put = encodePut({ namespace: 'test', set: 'cap', key: 'put-send-key' }, capturedBins, { sendKey: true });
    expect(put.toString('hex')).toBe(captureFrames('02-put', 'c2s')[1]!.toString('hex'));
  });

  it('builds the integer-key put of 02-put with an integer KEY field', () => {
    const put = encodePut({ namespace: 'test', set: 'cap', key: 12345 }, { i: 1 }, { sendKey: true });
    expect(put.toString('hex')).toBe(captureFrames('02-put', 'c2s')[2]!.toString('hex'));
  });

  it('builds the get-all of 03-get-missing', () => {
    const get = encodeGet({ namespace: 'test', set: 'cap', key: 'missing' });
    expect(get.toString('hex')).toBe(captureFrames('03-get-missing', 'c2s')[0]!.toString('hex'));
  });

  it('builds the get-all of 04-get-existing', () => {
    expect(encodeGet(existing).toString('hex')).toBe(captureFrames('04-get-existing', 'c2s')[0]!.toString('hex'));
  });

  it('builds the named-bins get of 04-get-existing with one READ op per bin', () => {
    const get = encodeGet(existing, { bins: ['s', 'i'] });
    expect(get.toString('hex')).toBe(captureFrames('04-get-existing', 'c2s')[1]!.toString('hex'));
  });

  it('builds the exists of 04-get-existing as a READ | NOBINDATA header-only read', () => {
    expect(encodeExists(existing).toString('hex')).toBe(captureFrames('04-get-existing', 'c2s')[2]!.toString('hex'));
    expect(encodeGet(existing, { headerOnly: true })).toEqual(encodeExists(existing));
  });

  it('builds the partition scan of 05-scan-50-small with all 4096 partition ids', () => {
    const scan = encodePartitionScan({ namespace: 'test', set: 'cap50', taskId: 17355891973765701535n });
    expect(scan.toString('hex')).toBe(captureFrames('05-scan-50-small', 'c2s')[0]!.toString('hex'));
  });

  it('builds the partition scan of 06-scan-50-large', () => {
    const scan = encodePartitionScan({ namespace: 'test', set: 'cap50big', taskId: 2787404630269215492n });
    expect(scan.toString('hex')).toBe(captureFrames('06-scan-50-large', 'c2s')[0]!.toString('hex'));
  });

  it('builds the batch get of 07-batch-get, repeating entries that share namespace, set and bins', () => {
    const keys: BatchGetKey[] = [0, 1, 2, 3, 4, 'nope'].map((key) => ({ namespace: 'test', set: 'cap50', key }));
    keys.push({ ...existing, bins: ['s'] });
    expect(encodeBatchGet(keys).toString('hex')).toBe(captureFrames('07-batch-get', 'c2s')[0]!.toString('hex'));
  });

  it('builds the inner frame of the compressed batch of 08-compress with COMPRESS_RESPONSE', () => {
    const keys: BatchGetKey[] = Array.from({ length: 20 }, (_, key) => ({ namespace: 'test', set: 'cap50', key }));
    const inner = inflated(captureFrames('08-compress', 'c2s')[2]!);
    expect(encodeBatchGet(keys, { useCompression: true }).toString('hex')).toBe(inner.toString('hex'));
  });

  it('builds the get of 08-compress with info1 READ | GET_ALL | COMPRESS_RESPONSE', () => {
    const get = encodeGet(existing, { useCompression: true });
    expect(get.toString('hex')).toBe(captureFrames('08-compress', 'c2s')[1]!.toString('hex'));
  });

  it('builds the inner frame of the compressed put of 08-compress (a 2 KiB string bin)', () => {
    const inner = inflated(captureFrames('08-compress', 'c2s')[0]!);
    const digest = inner.subarray(8 + 22 + 9 + 8 + 5, 8 + 22 + 9 + 8 + 25);
    const put = encodePut({ namespace: 'test', set: 'cap', digest }, { big: 'z'.repeat(2048) });
    expect(put.toString('hex')).toBe(inner.toString('hex'));
  });

  it('builds the deletes of 09-misc-ops with info2 WRITE | DELETE', () => {
    const frames = captureFrames('09-misc-ops', 'c2s');
    expect(encodeDelete({ namespace: 'test', set: 'cap', key: 'put-digest-only' }).toString('hex')).toBe(frames[2]!.toString('hex'));
    expect(encodeDelete({ namespace: 'test', set: 'cap', key: 'missing' }).toString('hex')).toBe(frames[3]!.toString('hex'));
  });

  it('builds the create-only put of 09-misc-ops with info2 WRITE | CREATE_ONLY', () => {
    const digest = Buffer.from('736457ae573ecc90b9341203c623f576d5051dae', 'hex');
    const put = encodePut({ namespace: 'test', set: 'capmisc', digest }, { cnt: 9 }, { exists: 'create_only' });
    expect(put.toString('hex')).toBe(captureFrames('09-misc-ops', 'c2s')[4]!.toString('hex'));
  });
});

describe('request builders against protocol.md §8', () => {
  const demo = { namespace: 'test', set: 'demo', key: 'key1' } as const;

  it('builds the V2 get of test/demo/"key1"', () => {
    expect(encodeGet(demo)).toEqual(
      hex(`02 03 00 00 00 00 00 41 16 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 e8 00 03 00 00
           00 00 00 05 00 74 65 73 74  00 00 00 05 01 64 65 6d 6f
           00 00 00 15 04 ec 91 19 2d 4b 7f 8c e3 5d 5d 78 d3 4b ca 65 cb aa aa c9 60`),
    );
  });

  it('builds the V3 put of bin1="value1"', () => {
    const put = encodePut(demo, { bin1: 'value1' });
    expect(put.length).toBe(91);
    expect(put.subarray(0, 30)).toEqual(hex('02 03 00 00 00 00 00 53 16 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 03 e8 00 03 00 01'));
    expect(put.subarray(73)).toEqual(hex('00 00 00 0e 02 03 00 04 62 69 6e 31 76 61 6c 75 65 31'));
  });
});

describe('request builder options', () => {
  const key = { namespace: 'ns', set: '', key: 'k' } as const;

  it('omits the SET field when the set is empty', () => {
    expect(encodeGet(key).readUInt16BE(26)).toBe(2);
  });

  it('writes ttlSeconds -1 as 0xFFFFFFFF (never expire) and -2 as 0xFFFFFFFE (unchanged)', () => {
    expect(encodePut(key, { a: 1 }, { ttlSeconds: -1 }).readUInt32BE(18)).toBe(0xffff_ffff);
    expect(encodePut(key, { a: 1 }, { ttlSeconds: -2 }).readUInt32BE(18)).toBe(0xffff_fffe);
    expect(encodePut(key, { a: 1 }, { ttlSeconds: 60 }).readUInt32BE(18)).toBe(60);
  });

  it('sets info2 GENERATION and the generation slot when a generation is given', () => {
    const put = encodePut(key, { a: 1 }, { generation: 7 });
    expect(put[10]).toBe(0x01 | 0x04);
    expect(put.readUInt32BE(14)).toBe(7);
  });

  it('writes the server timeout into the transaction-ttl slot', () => {
    expect(encodeGet(key, { timeoutMs: 0 }).readUInt32BE(22)).toBe(0);
    expect(encodeGet(key, { timeoutMs: 2500 }).readUInt32BE(22)).toBe(2500);
  });

  it('writes booleans as BOOL, asDouble() as DOUBLE, bigint as INTEGER and null as NULL particles', () => {
    const put = encodePut(key, [['t', true], ['d', asDouble(2)], ['n', -(2n ** 63n)], ['z', null]]);
    const ops = put.subarray(8 + 22 + 7 + 25);
    expect(ops.toString('hex')).toBe(
      '000000060211000174' + '01' + '0000000d0202000164' + '4000000000000000' + '0000000d020100016e' + '8000000000000000' + '000000050200000' + '17a',
    );
  });

  it('writes a partition subset as u16 little-endian ids, then MAX_RECORDS', () => {
    const scan = encodePartitionScan({ namespace: 'ns', partitionIds: [1, 0x0203], taskId: 1, maxRecords: 10, binNames: ['a'] });
    const tail = scan.subarray(8 + 22 + 7 + 9 + 13);
    expect(tail.toString('hex')).toBe('000000050b01000302' + '000000090d000000000000000a' + '000000050100000161');
  });

  it('rejects bad options with TypeError or RangeError naming them', () => {
    expect(() => encodeGet({ namespace: 'ns', set: 's' })).toThrowError(TypeError, /key/);
    expect(() => encodeGet({ ...key, digest: Buffer.alloc(3) })).toThrowError(RangeError, /digest/);
    expect(() => encodeGet(key, { timeoutMs: -1 })).toThrowError(RangeError, /timeoutMs/);
    expect(() => encodePut(key, {})).toThrowError(TypeError, /at least one bin/);
    expect(() => encodePut(key, { a: 2 ** 60 })).toThrowError(RangeError, /bins\.a: /);
    expect(() => encodePut(key, { a: 1 }, { ttlSeconds: -3 })).toThrowError(RangeError, /ttlSeconds/);
    expect(() => encodePut({ namespace: 'ns', set: 's', digest: Buffer.alloc(20) }, { a: 1 }, { sendKey: true })).toThrowError(TypeError, /sendKey/);
    expect(() => encodePartitionScan({ namespace: 'ns', taskId: 1, partitionIds: [4096] })).toThrowError(RangeError, /partition id/);
    expect(() => encodeBatchGet([])).toThrowError(RangeError, /at least one key/);
  });

  it('refuses a namespace or set with a lone surrogate in single-record, scan and batch requests, naming it', () => {
    const digest = Buffer.alloc(20);
    expect(() => encodeGet({ namespace: 'n\uD800', set: '', digest })).toThrowError(TypeError, /^namespace "n\\ud800": a string with a lone surrogate at index 1 cannot be sent as UTF-8$/);
    expect(() => encodePut({ namespace: 'ns', set: 's\uDFFF', digest }, { a: 1 })).toThrowError(TypeError, /^set "s\\udfff": a string with a lone surrogate at index 1 /);
    expect(() => encodeDelete({ namespace: 'ns', set: '\uDBFF', digest })).toThrowError(TypeError, /^set "\\udbff": /);
    expect(() => encodePartitionScan({ namespace: 'n\uD800', taskId: 1 })).toThrowError(TypeError, /^namespace "n\\ud800": a string with a lone surrogate at index 1 /);
    expect(() => encodePartitionScan({ namespace: 'ns', set: '\uDC00', taskId: 1 })).toThrowError(TypeError, /^set "\\udc00": /);
    expect(() => encodeBatchGet([{ namespace: 'ns', set: 's', digest }, { namespace: 'ns', set: 's\uD800', digest }])).toThrowError(TypeError, /^set "s\\ud800": /);
    expect(() => encodeBatchGet([{ namespace: '\uD800', set: 's', digest }])).toThrowError(TypeError, /^namespace "\\ud800": /);
  });
});

describe('protocol module purity', () => {
  const files = ['digest', 'ripemd160', 'particle', 'as-msg-encoder', 'requests', 'scan-request', 'batch-request', 'record'];
  for (const file of files) {
    it(`keeps lib/protocol/${file}.ts free of sockets, rxjs and timers`, () => {
      const source = readFileSync(join(__dirname, '..', '..', 'lib', 'protocol', `${file}.ts`), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const name of imports) expect(name).toMatch(/^\.\.?\//);
      expect(source).not.toMatch(/\b(setTimeout|setInterval|setImmediate)\s*\(/);
    });
  }
});
