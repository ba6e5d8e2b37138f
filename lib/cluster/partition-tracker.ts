// Scan partition tracking (cluster.md §11, J PartitionTracker): which partitions are done, where each
// unfinished one resumes (the last digest seen), and which replica it is tried on next. Pure state:
// the scan executors feed it replies and ask it for the next pass's assignment.

import { partitionId } from '../protocol/digest';
import type { ClusterNode } from './cluster-node';
import type { PartitionMap } from './partition-map';
import type { Router } from './router';

export interface PartitionStatus {
  readonly id: number;
  /** The last digest seen in this partition: the next request resumes after it. */
  digest: Buffer | undefined;
  /** Replica walk position: bumped each time the partition must be retried. */
  sequence: number;
  done: boolean;
  /** This pass marked it for retry (node failed, or the node answered it unavailable). */
  retry: boolean;
}

export interface NodeAssignment {
  readonly node: ClusterNode;
  readonly partitions: PartitionStatus[];
}

export class PartitionTracker {
  private readonly statuses = new Map<number, PartitionStatus>();
  /** Records emitted so far (for maxRecords). */
  emitted = 0;

  constructor(begin: number, count: number) {
    for (let id = begin; id < begin + count; id++) this.statuses.set(id, { id, digest: undefined, sequence: 0, done: false, retry: false });
  }

  /** Partitions not done yet. */
  get remaining(): number {
    let n = 0;
    for (const s of this.statuses.values()) if (!s.done) n++;
    return n;
  }

  /**
   * Unfinished partitions by the node the sequence walk routes each to; partitions with no usable node
   * are returned apart (they count as unavailable this pass).
   */
  assign(map: PartitionMap<ClusterNode>, router: Router, namespace: string): { assignments: NodeAssignment[]; unroutable: PartitionStatus[] } {
    const byNode = new Map<ClusterNode, PartitionStatus[]>();
    const unroutable: PartitionStatus[] = [];
    for (const status of this.statuses.values()) {
      if (status.done) continue;
      status.retry = false;
      const node = router.read(map, namespace, status.id, 'sequence', status.sequence);
      if (node === undefined) {
        status.retry = true;
        status.sequence++;
        unroutable.push(status);
        continue;
      }
      const list = byNode.get(node);
      if (list === undefined) byNode.set(node, [status]);
      else list.push(status);
    }
    return { assignments: [...byNode].map(([node, partitions]) => ({ node, partitions })), unroutable };
  }

  /** A record arrived: its partition resumes after this digest. Returns false for a partition not being scanned. */
  recordSeen(digest: Buffer): boolean {
    const status = this.statuses.get(partitionId(digest));
    if (status === undefined || status.done) return false;
    // copied into the partition's own bytes: the digest is a view of its reply frame, and keeping it
    // would keep that frame (up to 4096 of them) alive until the scan ends
    const owned = status.digest?.length === digest.length ? status.digest : Buffer.allocUnsafeSlow(digest.length);
    digest.copy(owned);
    status.digest = owned;
    return true;
  }

  /** A PARTITION_DONE marker: a non-zero result code means the node could not serve it (J). */
  partitionDone(id: number, resultCode: number): void {
    const status = this.statuses.get(id);
    if (status === undefined || status.done) return;
    if (resultCode === 0) {
      status.done = true;
      return;
    }
    status.retry = true;
    status.sequence++;
  }

  /** The node's stream ended cleanly: every partition it was given and did not refuse is done. */
  nodeCompleted(partitions: readonly PartitionStatus[]): void {
    for (const status of partitions) if (!status.retry) status.done = true;
  }

  /** The node failed mid-scan: its unfinished partitions move to their next replica, resuming after their last digest. */
  nodeFailed(partitions: readonly PartitionStatus[]): void {
    for (const status of partitions) {
      if (status.done || status.retry) continue;
      status.retry = true;
      status.sequence++;
    }
  }
}
