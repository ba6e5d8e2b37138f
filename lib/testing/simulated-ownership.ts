// The partition ownership of a simulated cluster: per partition a succession list of the member
// nodes (rendezvous hashing of node name and partition, like a real cluster's), the first `rf`
// of them replicas, master first. Immutable and deterministic; knows nothing of sockets or time.

import { PARTITION_COUNT } from '../protocol/digest';

/** 4096 bits, partition p at bit 0x80 >> (p & 7) of byte p >> 3 (the `replicas` bitmap layout). */
const BITMAP_BYTES = PARTITION_COUNT / 8;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a state after the node name's bytes: the per-node half of the score. */
function nameHash(name: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ (name.charCodeAt(i) & 0xff), FNV_PRIME) >>> 0;
  return hash;
}

/** A stable score per (node, partition): FNV-1a continued over the partition id, then an avalanche. */
function score(nameState: number, partition: number): number {
  let hash = Math.imul(nameState ^ (partition & 0xff), FNV_PRIME) >>> 0;
  hash = Math.imul(hash ^ (partition >>> 8), FNV_PRIME) >>> 0;
  // FNV alone leaves the low bits of close inputs correlated
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x7feb352d) >>> 0;
  hash ^= hash >>> 15;
  return hash >>> 0;
}

export class OwnershipTable {
  /** min(replication factor, members): the replicas each partition has. */
  readonly replicaCount: number;
  /** Member index per (partition, replica index), partition-major. */
  private readonly slots: Uint8Array;

  /**
   * `rotation` shifts every succession list left by that many places (a rebalance that moves
   * masters); removing a member keeps the others' relative order, as rendezvous hashing does.
   */
  constructor(
    readonly members: readonly string[],
    replicationFactor: number,
    readonly rotation = 0,
  ) {
    if (members.length > 255) throw new RangeError(`at most 255 members, got ${members.length}`);
    this.replicaCount = Math.min(replicationFactor, members.length);
    this.slots = new Uint8Array(PARTITION_COUNT * this.replicaCount);
    const states = members.map(nameHash);
    const scores = new Float64Array(members.length);
    const order = new Uint8Array(members.length);
    for (let p = 0; p < PARTITION_COUNT; p++) {
      // insertion sort by descending score (ties by index): member counts are small
      for (let m = 0; m < members.length; m++) {
        scores[m] = score(states[m]!, p);
        let at = m;
        while (at > 0 && scores[order[at - 1]!]! < scores[m]!) {
          order[at] = order[at - 1]!;
          at--;
        }
        order[at] = m;
      }
      for (let r = 0; r < this.replicaCount; r++) this.slots[p * this.replicaCount + r] = order[(r + rotation) % members.length]!;
    }
  }

  /** Replica node names of a partition, master first. */
  replicas(partition: number): string[] {
    const out: string[] = [];
    for (let r = 0; r < this.replicaCount; r++) out.push(this.members[this.slots[partition * this.replicaCount + r]!]!);
    return out;
  }

  /** True when `name` is master or a prole of the partition. */
  holds(name: string, partition: number): boolean {
    return this.replicaIndex(name, partition) >= 0;
  }

  /** 0 master, 1.. prole, -1 not a replica. */
  replicaIndex(name: string, partition: number): number {
    const member = this.members.indexOf(name);
    if (member < 0) return -1;
    for (let r = 0; r < this.replicaCount; r++) if (this.slots[partition * this.replicaCount + r] === member) return r;
    return -1;
  }

  /** The node's bitmap for one replica index, as the `replicas` info value carries it (base64 of 512 bytes). */
  bitmap(name: string, replicaIndex: number): string {
    const bits = Buffer.alloc(BITMAP_BYTES);
    const member = this.members.indexOf(name);
    if (member >= 0 && replicaIndex < this.replicaCount) {
      for (let p = 0; p < PARTITION_COUNT; p++) {
        if (this.slots[p * this.replicaCount + replicaIndex] === member) bits[p >> 3] |= 0x80 >> (p & 7);
      }
    }
    return bits.toString('base64');
  }

  /** Partitions whose replica list differs from `other`'s. */
  changedSince(other: OwnershipTable): number {
    if (other.replicaCount !== this.replicaCount) return PARTITION_COUNT;
    const toOther = this.members.map((name) => other.members.indexOf(name));
    let changed = 0;
    for (let p = 0; p < PARTITION_COUNT; p++) {
      for (let r = 0; r < this.replicaCount; r++) {
        const at = p * this.replicaCount + r;
        if (toOther[this.slots[at]!] !== other.slots[at]) {
          changed++;
          break;
        }
      }
    }
    return changed;
  }

  /** Partitions this node holds (master or prole). */
  heldCount(name: string): number {
    const member = this.members.indexOf(name);
    let held = 0;
    for (const slot of this.slots) if (slot === member) held++;
    return held;
  }
}
