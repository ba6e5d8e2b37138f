import { createHash, getHashes, randomBytes } from 'node:crypto';
import { computeDigest, encodeUserKey, partitionId } from '../../lib/protocol/digest';
import { ripemd160 } from '../../lib/protocol/ripemd160';

describe('ripemd160', () => {
  // The test vectors published with the algorithm (Dobbertin, Bosselaers, Preneel).
  const vectors: ReadonlyArray<readonly [string, string]> = [
    ['', '9c1185a5c5e9fc54612808977ee8f548b2258d31'],
    ['a', '0bdc9d2d256b3ee9daae347be6f4dc835a467ffe'],
    ['abc', '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc'],
    ['message digest', '5d0689ef49d2fae572b881b123a85ffa21595f36'],
    ['abcdefghijklmnopqrstuvwxyz', 'f71c27109c692c1b56bbdceb5b9d2865b3708dbc'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '12a053384a9c0c88e405a06c27dcf49ada62eb2b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'b0e20b6e3116640286ed3a87a5713079b21f5189'],
    ['1234567890'.repeat(8), '9b752e45573d4b39f4dbd3323cab82bf63326bfb'],
  ];

  for (const [input, expected] of vectors) {
    it(`hashes ${JSON.stringify(input.length > 20 ? `${input.slice(0, 20)}…` : input)} to the published digest`, () => {
      expect(ripemd160(Buffer.from(input, 'latin1')).toString('hex')).toBe(expected);
    });
  }

  it('hashes a million "a" to the published digest', () => {
    expect(ripemd160(Buffer.alloc(1_000_000, 'a')).toString('hex')).toBe('52783243c1697bdbe16d37f97f68f08325dc1528');
  });

  it('hashes the concatenation of its parts', () => {
    expect(ripemd160(Buffer.from('ab'), Buffer.from(''), Buffer.from('c')).toString('hex')).toBe('8eb208f7e05d987a9b044a8e98c6b087f15a0bfc');
  });

  it('agrees with node:crypto for every length across the padding boundaries, when OpenSSL offers ripemd160', () => {
    if (!getHashes().includes('ripemd160')) {
      pending('this OpenSSL build lacks ripemd160');
      return;
    }
    for (let length = 0; length <= 200; length++) {
      const data = randomBytes(length);
      expect(ripemd160(data).toString('hex')).withContext(`length ${length}`).toBe(createHash('ripemd160').update(data).digest('hex'));
    }
  });
});

describe('computeDigest', () => {
  it('matches the string-key vector of protocol.md §3.4 (set "set", key "")', () => {
    expect(computeDigest('set', '').toString('hex')).toBe('2819b1ff6e346a43b4f5f6b77a88bc3eaac22a83');
  });

  it('matches the integer-key vector of protocol.md §3.4 (set "set", key 0)', () => {
    expect(computeDigest('set', 0).toString('hex')).toBe('93d943aae37b017ad7e011b0c1d2e2143c2fb37d');
  });

  it('matches the V2 digest of protocol.md §8 (set "demo", key "key1")', () => {
    expect(computeDigest('demo', 'key1').toString('hex')).toBe('ec91192d4b7f8ce35d5d78d34bca65cbaaaac960');
  });

  it('matches the digests the official client sent in the captures', () => {
    expect(computeDigest('cap', 'put-digest-only').toString('hex')).toBe('885fc39aa0d21144925986f31c9761d0afc11692');
    expect(computeDigest('cap', 'put-send-key').toString('hex')).toBe('02911432f7d3df4800dbdb0bfa15db729ca3215a');
    expect(computeDigest('cap', 12345).toString('hex')).toBe('a8d192a582eb5592a6372609345f11f50756c237');
    expect(computeDigest('cap', 'missing').toString('hex')).toBe('cb899c956c56a3876bf9a504dc49763948ca44ae');
    expect(computeDigest('cap', 'existing').toString('hex')).toBe('5feb57f0f0b03db4d726c21bd774404076674549');
    expect(computeDigest('cap50', 8).toString('hex')).toBe('2420d7241b74a4171f07767b71e4e8a666ee197c');
    expect(computeDigest('cap50', 'nope').toString('hex')).toBe('f36e72672b56281d78cfc2ef67ed0b6c9c56846c');
  });

  it('hashes a bigint key like the equal number', () => {
    expect(computeDigest('cap', 12345n)).toEqual(computeDigest('cap', 12345));
  });

  it('hashes a negative integer key as 8-byte two\'s complement', () => {
    expect(encodeUserKey(-7).bytes.toString('hex')).toBe('fffffffffffffff9');
  });

  it('hashes integer and string keys as RIPEMD-160 over set ‖ particle type ‖ key bytes, whatever their sign, size or script', () => {
    const sets = ['', 's', 'é-set', 'x'.repeat(63), '集'.repeat(400)];
    const keys = [0, -0, 1, -1, -7, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, '', 'key1', 'ünï😀', 'k'.repeat(300), '集'.repeat(400)];
    for (const set of sets) {
      for (const key of keys) {
        const { particleType, bytes } = encodeUserKey(key);
        expect(computeDigest(set, key).toString('hex'))
          .withContext(`set ${set.length} chars, key ${JSON.stringify(key).slice(0, 20)}`)
          .toBe(ripemd160(Buffer.from(set, 'utf8'), Uint8Array.of(particleType), bytes).toString('hex'));
      }
    }
  });

  it('hashes a blob key with particle type 4', () => {
    const blob = Uint8Array.of(1, 2, 3);
    expect(computeDigest('s', blob)).toEqual(ripemd160(Buffer.from('s'), Uint8Array.of(4), blob));
  });

  it('refuses a string key with a lone surrogate instead of giving it the digest of U+FFFD', () => {
    // '\uD800', '\uDFFF' and '\uFFFD' all became EF BF BD: one digest, one record
    for (const key of ['\uD800', '\uDFFF', 'k\uDBFF', '\uDC00\uD800', `${'k'.repeat(400)}\uD800`]) {
      expect(() => computeDigest('s', key)).withContext(JSON.stringify(key)).toThrowError(TypeError, /^a string key with a lone surrogate at index \d+ cannot be sent as UTF-8$/);
      expect(() => encodeUserKey(key)).withContext(JSON.stringify(key)).toThrowError(TypeError, /^a string key with a lone surrogate at index \d+ /);
    }
    expect(() => computeDigest('s', 'ok\uDFFF')).toThrowError(TypeError, /at index 2 /);
    expect(computeDigest('s', '\uFFFD')).toEqual(ripemd160(Buffer.from('s'), Uint8Array.of(3), Buffer.of(0xef, 0xbf, 0xbd)));
  });

  it('refuses a set name with a lone surrogate, short or long', () => {
    expect(() => computeDigest('s\uD800', 1)).toThrowError(TypeError, /^set "s\\ud800": a string with a lone surrogate at index 1 cannot be sent as UTF-8$/);
    expect(() => computeDigest('\uDC00', 'k')).toThrowError(TypeError, /^set "\\udc00": /);
    expect(() => computeDigest(`${'集'.repeat(400)}\uDC00`, 'k')).toThrowError(TypeError, /^set ".*": a string with a lone surrogate at index 400 /);
  });

  it('rejects an unsafe integer number and an out-of-range bigint with RangeError', () => {
    expect(() => computeDigest('s', 2 ** 53)).toThrowError(RangeError, /safe integer/);
    expect(() => computeDigest('s', 1.5)).toThrowError(RangeError);
    expect(() => computeDigest('s', 2n ** 63n)).toThrowError(RangeError, /64 signed bits/);
  });
});

describe('partitionId', () => {
  it('reads the first four digest bytes little-endian and keeps the low 12 bits', () => {
    // ec 91 19 2d → 0x2d1991ec & 0xfff = 0x1ec
    expect(partitionId(computeDigest('demo', 'key1'))).toBe(0x1ec);
    expect(partitionId(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toBe(4095);
    expect(partitionId(Uint8Array.of(0x00, 0x10, 0x00, 0x00))).toBe(0);
  });
});
