import { FieldType, ParticleType } from '../../lib/protocol/constants';
import { decodeRecords } from '../../lib/protocol/record';
import { encodeBinValue } from '../../lib/protocol/value';
import { asMsgFrame, asMsgRecord } from '../../lib/testing/frame-builders';

describe('decodeRecords(body, owned)', () => {
  const values = [Buffer.alloc(100, 7), Buffer.alloc(10_000, 9), [Buffer.from([1, 2]), 'x'], { a: Buffer.from([3]) }, 'text', 42];
  const body = asMsgFrame(
    asMsgRecord({
      fields: [{ type: FieldType.DIGEST_RIPE, data: Buffer.alloc(20, 5) }],
      ops: values.map((v, i) => {
        const raw = encodeBinValue(v, `b${i}`);
        return { op: 1, name: `b${i}`, value: raw.bytes, particleType: raw.particleType };
      }),
    }),
  ).subarray(8);

  it('decodes the same values as the view-keeping decode', () => {
    const viewed = decodeRecords(body);
    const owned = decodeRecords(Buffer.from(body), true);
    expect(owned[0]!.bins).toEqual(viewed[0]!.bins);
    expect(owned[0]!.digest).toEqual(viewed[0]!.digest);
  });

  it('keeps no view of the body: values stay the same after the body is overwritten', () => {
    const copy = Buffer.from(body);
    const before = decodeRecords(Buffer.from(body));
    const owned = decodeRecords(copy, true);
    copy.fill(0xee);
    expect(owned[0]!.bins).toEqual(before[0]!.bins);
    expect(owned[0]!.digest!.toString('hex')).toBe('05'.repeat(20));
    expect((owned[0]!.bins['b0'] as Buffer).buffer).not.toBe(copy.buffer);
  });

  it('keeps blob particles as blobs (type check of the fixture)', () => {
    expect(encodeBinValue(Buffer.alloc(1), 'x').particleType).toBe(ParticleType.BLOB);
  });
});
