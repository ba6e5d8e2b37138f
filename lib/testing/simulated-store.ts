// The simulated node's in-memory records: keyed by (namespace, digest), with generation and a
// void time (seconds since 2010-01-01) read against an injected clock; expired records read as missing.
// Scans walk partitions in ascending id and each partition in descending digest order, as a real
// node walks its index (so a scan resumes after a digest). Holds particles as raw bytes; no sockets.

import { ParticleType } from '../protocol/constants';
import { computeDigest, PARTITION_COUNT, partitionId } from '../protocol/digest';
import { CITRUSLEAF_EPOCH_SECONDS } from '../protocol/record';
import type { RawParticle } from '../protocol/particle';

export interface StoredRecord {
  readonly namespace: string;
  readonly set: string;
  readonly digest: Buffer;
  readonly partitionId: number;
  /** The KEY field data (particle type byte + key bytes) when the key was sent. */
  key: Buffer | undefined;
  readonly bins: Map<string, RawParticle>;
  generation: number;
  /** Seconds since 2010-01-01 when the record expires; 0 = never. */
  voidTime: number;
}

/** The wire's special request TTLs. */
export const TTL_NEVER_EXPIRE = 0xffff_ffff;
export const TTL_DONT_UPDATE = 0xffff_fffe;

/** Partitions a scan visits; a Map gives, per partition, the digest to resume after (undefined: from the start). */
export type ScanPartitionSet = ReadonlySet<number> | ReadonlyMap<number, Uint8Array | undefined>;

export class SimulatedStore {
  private readonly records = new Map<string, StoredRecord>();
  /** namespace + partition → its records, in descending digest order (the server's scan order). */
  private readonly partitions = new Map<string, StoredRecord[]>();

  constructor(
    private readonly clockMs: () => number,
    /** TTL applied for a request TTL of 0 (namespace default); 0 = never expire. */
    private readonly defaultTtlSeconds = 0,
  ) {}

  /** Now as a void-time value (whole seconds since 2010-01-01). */
  now(): number {
    return Math.floor(this.clockMs() / 1000) - CITRUSLEAF_EPOCH_SECONDS;
  }

  private static id(namespace: string, digest: Uint8Array): string {
    return `${namespace}\u0000${Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex')}`;
  }

  private static partitionKey(namespace: string, pid: number): string {
    return `${namespace}\u0000${pid}`;
  }

  /** Where `digest` sits in a descending list: the index of the first record whose digest is smaller. */
  private static after(list: readonly StoredRecord[], digest: Uint8Array): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Buffer.compare(list[mid]!.digest, digest) >= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private index(record: StoredRecord): void {
    const key = SimulatedStore.partitionKey(record.namespace, record.partitionId);
    let list = this.partitions.get(key);
    if (list === undefined) this.partitions.set(key, (list = []));
    list.splice(SimulatedStore.after(list, record.digest), 0, record);
  }

  private drop(id: string, record: StoredRecord): void {
    this.records.delete(id);
    const list = this.partitions.get(SimulatedStore.partitionKey(record.namespace, record.partitionId));
    const at = list === undefined ? -1 : list.indexOf(record);
    if (at >= 0) list!.splice(at, 1);
  }

  private expired(record: StoredRecord): boolean {
    return record.voidTime !== 0 && record.voidTime <= this.now();
  }

  /** The live record, or undefined (an expired record is dropped on the way). */
  get(namespace: string, digest: Uint8Array): StoredRecord | undefined {
    const id = SimulatedStore.id(namespace, digest);
    const record = this.records.get(id);
    if (record === undefined) return undefined;
    if (this.expired(record)) {
      this.drop(id, record);
      return undefined;
    }
    return record;
  }

  /** The live record, created empty (generation 0) when absent. */
  getOrCreate(namespace: string, set: string, digest: Uint8Array): { record: StoredRecord; created: boolean } {
    const existing = this.get(namespace, digest);
    if (existing !== undefined) return { record: existing, created: false };
    const record: StoredRecord = {
      namespace,
      set,
      digest: Buffer.from(digest),
      partitionId: partitionId(digest),
      key: undefined,
      bins: new Map(),
      generation: 0,
      voidTime: 0,
    };
    this.records.set(SimulatedStore.id(namespace, digest), record);
    this.index(record);
    return { record, created: true };
  }

  delete(namespace: string, digest: Uint8Array): boolean {
    const record = this.get(namespace, digest);
    if (record === undefined) return false;
    this.drop(SimulatedStore.id(namespace, digest), record);
    return true;
  }

  /** Applies a request TTL (the u32 on the wire) to a record being written. */
  applyTtl(record: StoredRecord, requestTtl: number, created: boolean): void {
    if (requestTtl === TTL_DONT_UPDATE && !created) return;
    const seconds = requestTtl === 0 || requestTtl === TTL_DONT_UPDATE ? this.defaultTtlSeconds : requestTtl;
    record.voidTime = seconds === 0 || seconds === TTL_NEVER_EXPIRE ? 0 : this.now() + seconds;
  }

  /**
   * Live records of a namespace (and set, when non-empty) in the given partitions (default all), in
   * ascending partition id, each partition in descending digest order and, for a partition given with
   * a digest, only the records after it. Each partition is read as it is reached, so writes during a
   * scan are seen in partitions not yet visited.
   */
  *scan(namespace: string, set: string, partitions?: ScanPartitionSet): Generator<StoredRecord> {
    const ids = partitions === undefined ? Array.from({ length: PARTITION_COUNT }, (_, i) => i) : [...partitions.keys()].sort((a, b) => a - b);
    for (const pid of ids) {
      const list = this.partitions.get(SimulatedStore.partitionKey(namespace, pid));
      if (list === undefined) continue;
      const resume = partitions instanceof Map ? (partitions.get(pid) as Uint8Array | undefined) : undefined;
      for (const record of list.slice(resume === undefined ? 0 : SimulatedStore.after(list, resume))) {
        if (set.length > 0 && record.set !== set) continue;
        if (this.expired(record)) continue;
        yield record;
      }
    }
  }

  /** Live records of a namespace. */
  count(namespace?: string): number {
    let n = 0;
    for (const record of this.records.values()) {
      if ((namespace === undefined || record.namespace === namespace) && !this.expired(record)) n++;
    }
    return n;
  }

  /**
   * Fills `count` records with integer keys 0..count-1 (key stored), bin `n` = the key and, when
   * binBytes > 0, bin `data` = a blob of that size (one shared buffer, so seeding stays cheap).
   */
  seed(namespace: string, set: string, count: number, binBytes: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    if (!Number.isInteger(binBytes) || binBytes < 0) throw new RangeError(`binBytes must be a non-negative integer, got ${binBytes}`);
    const blob: RawParticle = { particleType: ParticleType.BLOB, bytes: Buffer.alloc(binBytes, 0x61) };
    for (let i = 0; i < count; i++) {
      const digest = computeDigest(set, i);
      const { record } = this.getOrCreate(namespace, set, digest);
      const value = Buffer.allocUnsafe(8);
      value.writeBigInt64BE(BigInt(i));
      record.key = Buffer.concat([Buffer.of(ParticleType.INTEGER), value]);
      record.bins.set('n', { particleType: ParticleType.INTEGER, bytes: value });
      if (binBytes > 0) record.bins.set('data', blob);
      record.generation += 1;
      this.applyTtl(record, 0, true);
    }
  }

  /** Deletes every record of a namespace, or of one set of it; returns how many. */
  truncate(namespace: string, set: string | undefined): number {
    let n = 0;
    for (const record of [...this.records.values()]) {
      if (record.namespace !== namespace || (set !== undefined && record.set !== set)) continue;
      if (this.delete(namespace, record.digest)) n++;
    }
    return n;
  }

  clear(): void {
    this.records.clear();
    this.partitions.clear();
  }
}
