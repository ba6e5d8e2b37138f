import { decodeProtoHeader, encodeFrame, encodeProtoHeader } from '../../lib/protocol/proto-header';

describe('proto header', () => {
  it('encodes version 2, the type and a 48-bit big-endian length', () => {
    expect(encodeProtoHeader(1, 6).toString('hex')).toBe('0201000000000006');
    expect(encodeProtoHeader(3, 2 ** 47 + 5).toString('hex')).toBe('0203800000000005');
  });

  it('decodes what it encodes, including lengths above 2^32', () => {
    for (const length of [0, 1, 0xffff_ffff, 2 ** 32, 2 ** 48 - 1]) {
      expect(decodeProtoHeader(encodeProtoHeader(2, length))).toEqual({ version: 2, type: 2, length });
    }
  });

  it('rejects lengths that do not fit 48 bits', () => {
    expect(() => encodeProtoHeader(3, 2 ** 48)).toThrowError(RangeError);
    expect(() => encodeProtoHeader(3, -1)).toThrowError(RangeError);
  });

  it('frames a body behind its header', () => {
    expect(encodeFrame(1, Buffer.from('build\n')).toString('hex')).toBe('0201000000000006' + '6275696c640a');
  });
});
