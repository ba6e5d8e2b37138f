import { PARTITION_COUNT } from '../../lib/protocol/digest';
import { OwnershipTable } from '../../lib/testing/simulated-ownership';

const partitions = Array.from({ length: PARTITION_COUNT }, (_, p) => p);

describe('OwnershipTable', () => {
  const abc = new OwnershipTable(['A1', 'A2', 'A3'], 2);

  it('gives every partition replicationFactor distinct replicas, master first', () => {
    expect(abc.replicaCount).toBe(2);
    expect(partitions.every((p) => new Set(abc.replicas(p)).size === 2)).toBe(true);
  });

  it('is deterministic: the same members give the same table', () => {
    const again = new OwnershipTable(['A1', 'A2', 'A3'], 2);
    expect(again.changedSince(abc)).toBe(0);
    expect(partitions.map((p) => again.replicas(p))).toEqual(partitions.map((p) => abc.replicas(p)));
  });

  it('spreads masters evenly enough: each of 3 nodes masters between a quarter and 40% of partitions', () => {
    for (const name of abc.members) {
      const masters = partitions.filter((p) => abc.replicaIndex(name, p) === 0).length;
      expect(masters).toBeGreaterThan(PARTITION_COUNT / 4);
      expect(masters).toBeLessThan(PARTITION_COUNT * 0.4);
    }
  });

  it('moves only the partitions of a removed member, keeping the others in their order', () => {
    const without = new OwnershipTable(['A1', 'A3'], 2);
    for (const p of partitions) {
      if (!abc.replicas(p).includes('A2')) expect(without.replicas(p)).withContext(`partition ${p}`).toEqual(abc.replicas(p));
    }
    expect(without.changedSince(abc)).toBe(partitions.filter((p) => abc.holds('A2', p)).length);
  });

  it('moves every master when rotated by one', () => {
    const rotated = new OwnershipTable(['A1', 'A2', 'A3'], 2, 1);
    expect(partitions.every((p) => rotated.replicas(p)[0] !== abc.replicas(p)[0])).toBe(true);
    expect(partitions.every((p) => rotated.replicas(p)[0] === abc.replicas(p)[1])).toBe(true);
    expect(rotated.changedSince(abc)).toBe(PARTITION_COUNT);
  });

  it('caps the replica count at the member count', () => {
    const solo = new OwnershipTable(['A1'], 3);
    expect(solo.replicaCount).toBe(1);
    expect(solo.heldCount('A1')).toBe(PARTITION_COUNT);
  });

  it('encodes a replica index bitmap as base64 of 512 bytes, partition p at bit 0x80 >> (p & 7) of byte p >> 3', () => {
    const solo = new OwnershipTable(['A1'], 1);
    expect(solo.bitmap('A1', 0)).toBe(`${'/'.repeat(682)}8=`);
    expect(solo.bitmap('nobody', 0)).toBe(`${'A'.repeat(683)}=`);
    const bits = Buffer.from(abc.bitmap('A2', 1), 'base64');
    expect(bits.length).toBe(512);
    for (const p of [0, 7, 8, 4095]) expect((bits[p >> 3]! & (0x80 >> (p & 7))) !== 0).toBe(abc.replicaIndex('A2', p) === 1);
  });

  it('reports -1 and false for a name that is not a member', () => {
    expect(abc.replicaIndex('B1', 0)).toBe(-1);
    expect(abc.holds('B1', 0)).toBe(false);
  });
});
