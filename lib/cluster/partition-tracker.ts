// Scan partition tracking (cluster.md §11, J PartitionTracker): which partitions are done, where each
// unfinished one resumes (the last digest seen), and which replica it is tried on next. Pure state:
// the scan executors feed it replies and ask it for the next pass's assignment.

import { parseError } from '../errors';
import { DIGEST_SIZE, partitionId } from '../protocol/digest';
import type { ClusterNode } from './cluster-node';
import type { PartitionMap } from './partition-map';
import type { Router } from './router';

export interface NodeAssignment {
  readonly node: ClusterNode;
  /** Ids of the partitions this node scans in the pass. */
  readonly partitions: number[];
}

/** Bits of a partition's state byte. */
const State = {
  DONE: 1,
  /** This pass marked it for retry (node failed, or the node answered it unavailable). */
  RETRY: 2,
  HAS_DIGEST: 4,
} as const;

/**
 * Per-partition state in typed arrays, digests in one block: a scan lives through several young
 * collections, so 4096 status objects and a digest Buffer per partition were promoted to the old
 * generation each scan (~0.7 MB), and a major GC followed almost every scan.
 */
export class PartitionTracker {
  private readonly begin: number;
  private readonly count: number;
  private readonly state: Uint8Array;
  /** Replica walk position of each partition: bumped each time it must be retried. */
  private readonly sequence: Uint32Array;
  /** The last digest seen in each partition (DIGEST_SIZE bytes at (id - begin) * DIGEST_SIZE); copies, never views of a reply. */
  private readonly digests: Buffer;
  /** Records emitted so far (for maxRecords). */
  emitted = 0;

  constructor(begin: number, count: number) {
    this.begin = begin;
    this.count = count;
    this.state = new Uint8Array(count);
    this.sequence = new Uint32Array(count);
    // memory of its own (not the shared pool): the digests are copied into it, never handed to callers to keep
    this.digests = Buffer.allocUnsafeSlow(count * DIGEST_SIZE);
  }

  /** Partitions not done yet. */
  get remaining(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if ((this.state[i]! & State.DONE) === 0) n++;
    return n;
  }

  /**
   * Unfinished partitions by the node the sequence walk routes each to; partitions with no usable node
   * are returned apart (they count as unavailable this pass).
   */
  assign(map: PartitionMap<ClusterNode>, router: Router, namespace: string): { assignments: NodeAssignment[]; unroutable: number[] } {
    const assignments: NodeAssignment[] = [];
    const unroutable: number[] = [];
    // neighbouring partitions mostly share a node: the last list saves a lookup per partition. Built
    // inside the loop, nothing after it: code after a 4096-turn loop first runs in its OSR code, with
    // no type feedback, and deoptimized it on every scan.
    let lastNode: ClusterNode | undefined;
    let lastList: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const s = this.state[i]!;
      if ((s & State.DONE) !== 0) continue;
      this.state[i] = s & ~State.RETRY;
      const id = this.begin + i;
      const node = router.read(map, namespace, id, 'sequence', this.sequence[i]!);
      if (node === undefined) {
        this.markRetry(i);
        unroutable.push(id);
        continue;
      }
      // past the replicas the walk skipped (Router.landed): a retry moves on from this node
      this.sequence[i] = router.landed;
      if (node !== lastNode) {
        lastNode = node;
        lastList = listOf(assignments, node);
      }
      lastList.push(id);
    }
    return { assignments, unroutable };
  }

  /**
   * The last digest seen in partition `id`, where its next request resumes, or undefined: a view of the
   * tracker's own block, valid until its next record (encode it before feeding the tracker replies).
   */
  digestOf(id: number): Buffer | undefined {
    const i = id - this.begin;
    if (i < 0 || i >= this.count || (this.state[i]! & State.HAS_DIGEST) === 0) return undefined;
    return this.digests.subarray(i * DIGEST_SIZE, (i + 1) * DIGEST_SIZE);
  }

  /**
   * A record arrived: its partition resumes after this digest (copied: it is a view of its reply frame).
   * Returns false for a partition not being scanned or already done.
   */
  recordSeen(digest: Buffer): boolean {
    if (digest.length !== DIGEST_SIZE) throw parseError(`a scan record's digest must be ${DIGEST_SIZE} bytes, got ${digest.length}`);
    const i = partitionId(digest) - this.begin;
    if (i < 0 || i >= this.count || (this.state[i]! & State.DONE) !== 0) return false;
    // TypedArray#set, not Buffer#copy: its optional arguments, left out here, deoptimized the copies of record values
    this.digests.set(digest, i * DIGEST_SIZE);
    this.state[i] = this.state[i]! | State.HAS_DIGEST;
    return true;
  }

  /** A PARTITION_DONE marker: a non-zero result code means the node could not serve it (J). */
  partitionDone(id: number, resultCode: number): void {
    const i = id - this.begin;
    if (i < 0 || i >= this.count || (this.state[i]! & State.DONE) !== 0) return;
    if (resultCode === 0) this.state[i] = this.state[i]! | State.DONE;
    else this.markRetry(i);
  }

  /** The node's stream ended cleanly: every partition it was given and did not refuse is done. */
  nodeCompleted(partitions: readonly number[]): void {
    for (const id of partitions) {
      const i = id - this.begin;
      if ((this.state[i]! & State.RETRY) === 0) this.state[i] = this.state[i]! | State.DONE;
    }
  }

  /** The node failed mid-scan: its unfinished partitions move to their next replica, resuming after their last digest. */
  nodeFailed(partitions: readonly number[]): void {
    for (const id of partitions) {
      const i = id - this.begin;
      if ((this.state[i]! & (State.DONE | State.RETRY)) === 0) this.markRetry(i);
    }
  }

  private markRetry(i: number): void {
    this.state[i] = this.state[i]! | State.RETRY;
    this.sequence[i] = this.sequence[i]! + 1;
  }
}

/** The partition list of `node` in `assignments`, added when the node has none yet (a cluster has few nodes). */
function listOf(assignments: NodeAssignment[], node: ClusterNode): number[] {
  for (const a of assignments) if (a.node === node) return a.partitions;
  const partitions: number[] = [];
  assignments.push({ node, partitions });
  return partitions;
}
