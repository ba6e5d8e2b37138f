// Scan partition tracking: where an unfinished partition resumes, and what the tracker keeps alive.
import { ClusterNode } from '../../lib/cluster/cluster-node';
import type { NodePool } from '../../lib/cluster/node-pool';
import { PartitionMap } from '../../lib/cluster/partition-map';
import { PartitionTracker } from '../../lib/cluster/partition-tracker';
import { Router } from '../../lib/cluster/router';
import { bitmapOf } from '../../lib/protocol/replicas';

describe('PartitionTracker', () => {
  const A = new ClusterNode('A', '10.0.0.1', 3000, new Set(), {} as NodePool, undefined);
  A.active = true;
  const map = PartitionMap.empty<ClusterNode>().merge(A, [{ namespace: 'test', regime: 0, replicaCount: 1, bitmaps: [bitmapOf([7])] }]).map;
  const router = new Router([], () => 0);

  /** A 20-byte digest of partition 7 inside a large reply frame, as the record decoder hands it out. */
  function digestInFrame(fill: number): { frame: Buffer; digest: Buffer } {
    const frame = Buffer.alloc(64 * 1024, 0xee);
    const digest = frame.subarray(1000, 1020);
    digest.fill(fill);
    digest.writeUInt32LE(7, 0);
    return { frame, digest };
  }

  it('resumes a partition after the last digest seen in it', () => {
    const tracker = new PartitionTracker(7, 1);
    tracker.recordSeen(digestInFrame(1).digest);
    tracker.recordSeen(digestInFrame(2).digest);
    const [assignment] = tracker.assign(map, router, 'test').assignments;
    expect(assignment!.partitions[0]!.digest!.toString('hex')).toBe('07000000' + '02'.repeat(16));
  });

  it('keeps a copy of the digest, not a view of its reply frame', () => {
    const tracker = new PartitionTracker(7, 1);
    const { frame, digest } = digestInFrame(3);
    tracker.recordSeen(digest);
    frame.fill(0);
    const kept = tracker.assign(map, router, 'test').assignments[0]!.partitions[0]!.digest!;
    expect(kept.toString('hex')).toBe('07000000' + '03'.repeat(16));
    expect(kept.buffer.byteLength).toBe(20);
  });

  it('ignores a record of a partition it does not scan', () => {
    const tracker = new PartitionTracker(8, 1);
    expect(tracker.recordSeen(digestInFrame(4).digest)).toBe(false);
  });
});
