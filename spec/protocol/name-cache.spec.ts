import { decodeName } from '../../lib/protocol/name-cache';

describe('decodeName', () => {
  it('returns what a UTF-8 decode returns, for names seen before and new ones', () => {
    const names = ['n', 'data', 'bin1', 'bin2', 'bin10', 'test', 'rxc-records', 'ñame', '名前', 'x'.repeat(64), 'y'.repeat(65), ''];
    for (let round = 0; round < 3; round++) {
      for (const name of names) {
        const b = Buffer.concat([Buffer.from('pre'), Buffer.from(name, 'utf8'), Buffer.from('post')]);
        expect(decodeName(b, 3, 3 + Buffer.byteLength(name))).withContext(name).toBe(name);
      }
    }
  });

  it('tells apart names that share a table slot, byte for byte', () => {
    // same length, first, middle and last bytes: the same slot, different names
    const a = Buffer.from('abXcd');
    const b = Buffer.from('aYXZd');
    for (let i = 0; i < 3; i++) {
      expect(decodeName(a, 0, a.length)).toBe('abXcd');
      expect(decodeName(b, 0, b.length)).toBe('aYXZd');
    }
  });

  it('decodes invalid UTF-8 as the decoder does (replacement characters), cached or not', () => {
    const bad = Buffer.from([0x62, 0xff, 0xfe, 0x63]);
    const expected = bad.toString('utf8');
    expect(decodeName(bad, 0, 4)).toBe(expected);
    expect(decodeName(bad, 0, 4)).toBe(expected);
  });

  it('is not changed when the buffer it read from is overwritten later', () => {
    const b = Buffer.from('keep');
    expect(decodeName(b, 0, 4)).toBe('keep');
    b.write('kept');
    expect(decodeName(b, 0, 4)).toBe('kept');
    expect(decodeName(Buffer.from('keep'), 0, 4)).toBe('keep');
  });
});
