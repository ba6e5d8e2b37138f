import { ParticleType } from '../../lib/protocol/constants';
import { decodeBinValue, decodeBinValueAt, encodeBinValue } from '../../lib/protocol/value';
import { Double } from '../../lib/protocol/double';

function inPlace(particleType: number, bytes: Buffer): unknown {
  // the value bytes in the middle of a larger buffer, as in a reply
  const b = Buffer.concat([Buffer.from([1, 2, 3]), bytes, Buffer.from([4, 5])]);
  return decodeBinValueAt(b, particleType, 3, 3 + bytes.length);
}

describe('decodeBinValueAt', () => {
  it('decodes integers as decodeBinValue does, numbers within ±(2^53 - 1) and bigints beyond', () => {
    const values: Array<number | bigint> = [0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 32 - 1, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 123456789012345];
    for (const v of values) {
      const raw = encodeBinValue(v, 'v');
      const expected = decodeBinValue(ParticleType.INTEGER, raw.bytes);
      expect(inPlace(ParticleType.INTEGER, raw.bytes)).withContext(String(v)).toEqual(expected);
      expect(typeof inPlace(ParticleType.INTEGER, raw.bytes)).withContext(String(v)).toBe(typeof expected);
    }
  });

  it('decodes strings, doubles, bools, blobs, lists and maps as decodeBinValue does', () => {
    const inputs = ['', 'hello', 'ñ名', Double(1.5), Double(-0), true, false, Buffer.from([9, 8, 7]), [1, 'a', [2]], { a: 1, b: 'x' }];
    for (const v of inputs) {
      const raw = encodeBinValue(v, 'v');
      expect(inPlace(raw.particleType, raw.bytes)).withContext(JSON.stringify(v)).toEqual(decodeBinValue(raw.particleType, raw.bytes));
    }
  });

  it('refuses an integer or double particle of the wrong size with decodeBinValue\'s parse_error', () => {
    for (const type of [ParticleType.INTEGER, ParticleType.DOUBLE]) {
      const bytes = Buffer.alloc(7);
      let expected: unknown;
      try {
        decodeBinValue(type, bytes);
      } catch (error) {
        expected = error;
      }
      expect(() => inPlace(type, bytes)).toThrow(expected as Error);
      expect((expected as { code: string }).code).toBe('parse_error');
    }
  });
});
