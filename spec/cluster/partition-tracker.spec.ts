// Scan partition tracking: where an unfinished partition resumes, and what the tracker keeps alive.
import { ClusterNode } from '../../lib/cluster/cluster-node';
import type { NodePool } from '../../lib/cluster/node-pool';
import { PartitionMap } from '../../lib/cluster/partition-map';
import { PartitionTracker } from '../../lib/cluster/partition-tracker';
import { Router } from '../../lib/cluster/router';
import type { AerospikeError } from '../../lib/errors';
import { bitmapOf } from '../../lib/protocol/replicas';
import { ResultCode } from '../../lib/protocol/result-codes';

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
    expect(assignment!.partitions).toEqual([7]);
    expect(tracker.digestOf(7)!.toString('hex')).toBe('07000000' + '02'.repeat(16));
  });

  it('a partition whose master was skipped retries past the node that failed it, on its third replica', () => {
    const [X, Y, Z] = ['X', 'Y', 'Z'].map((name) => new ClusterNode(name, '10.0.0.1', 3000, new Set(), {} as NodePool, undefined));
    const seg = (i: number) => [{ namespace: 'test', regime: 0, replicaCount: 3, bitmaps: [0, 1, 2].map((j) => bitmapOf(j === i ? [7] : [])) }];
    const three = PartitionMap.empty<ClusterNode>().merge(X!, seg(0)).map.merge(Y!, seg(1)).map.merge(Z!, seg(2)).map;
    X!.active = false;
    const tracker = new PartitionTracker(7, 1);
    expect(tracker.assign(three, router, 'test').assignments.map((a) => a.node.name)).toEqual(['Y']);
    tracker.nodeFailed([7]);
    expect(tracker.assign(three, router, 'test').assignments.map((a) => a.node.name)).toEqual(['Z']);
  });

  it('has no digest for a partition with no record seen yet', () => {
    const tracker = new PartitionTracker(7, 1);
    expect(tracker.digestOf(7)).toBeUndefined();
  });

  it('keeps a copy of the digest, not a view of its reply frame', () => {
    const tracker = new PartitionTracker(7, 1);
    const { frame, digest } = digestInFrame(3);
    tracker.recordSeen(digest);
    frame.fill(0);
    const kept = tracker.digestOf(7)!;
    expect(kept.toString('hex')).toBe('07000000' + '03'.repeat(16));
    expect(kept.buffer).not.toBe(frame.buffer);
    // one block for the tracker's partitions, nothing else in it
    expect(kept.buffer.byteLength).toBe(20);
  });

  it('refuses a digest that is not 20 bytes with a parse_error', () => {
    const tracker = new PartitionTracker(7, 1);
    const short = Buffer.from([7, 0, 0, 0, 1, 2]);
    expect(() => tracker.recordSeen(short)).toThrowMatching((e: AerospikeError) => e.code === 'parse_error' && e.message === "a scan record's digest must be 20 bytes, got 6");
  });

  it('counts a partition done once its node completes, unless the node refused it', () => {
    const tracker = new PartitionTracker(6, 3);
    tracker.partitionDone(7, ResultCode.PARTITION_UNAVAILABLE);
    tracker.nodeCompleted([6, 7, 8]);
    expect(tracker.remaining).toBe(1);
    expect(tracker.assign(map, router, 'test').assignments.map((a) => a.partitions)).toEqual([[7]]);
  });

  it('leaves the partitions of a failed node to the next pass, resuming after their last digest', () => {
    const tracker = new PartitionTracker(7, 1);
    tracker.recordSeen(digestInFrame(5).digest);
    tracker.nodeFailed([7]);
    expect(tracker.remaining).toBe(1);
    expect(tracker.digestOf(7)!.toString('hex')).toBe('07000000' + '05'.repeat(16));
  });

  it('ignores records of a partition already done', () => {
    const tracker = new PartitionTracker(7, 1);
    tracker.partitionDone(7, 0);
    expect(tracker.recordSeen(digestInFrame(6).digest)).toBe(false);
    expect(tracker.digestOf(7)).toBeUndefined();
  });

  it('groups partitions by their node when neighbouring partitions alternate between nodes', () => {
    const B = new ClusterNode('B', '10.0.0.2', 3000, new Set(), {} as NodePool, undefined);
    B.active = true;
    const owned = (node: ClusterNode, ids: number[]) => ({ node, ids });
    const two = [owned(A, [0, 2, 3]), owned(B, [1, 4])].reduce(
      (m, { node, ids }) => m.merge(node, [{ namespace: 'test', regime: 0, replicaCount: 1, bitmaps: [bitmapOf(ids)] }]).map,
      PartitionMap.empty<ClusterNode>(),
    );
    const { assignments, unroutable } = new PartitionTracker(0, 6).assign(two, router, 'test');
    expect(assignments.map((a) => [a.node.name, a.partitions])).toEqual([
      ['A', [0, 2, 3]],
      ['B', [1, 4]],
    ]);
    expect(unroutable).toEqual([5]);
  });

  it('ignores a record of a partition it does not scan', () => {
    const tracker = new PartitionTracker(8, 1);
    expect(tracker.recordSeen(digestInFrame(4).digest)).toBe(false);
  });
});
