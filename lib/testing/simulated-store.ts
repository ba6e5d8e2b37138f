// The simulated node's in-memory records: keyed by (namespace, digest), with generation and a
// void time (seconds since 2010-01-01) read against an injected clock; expired records read as missing.
// Holds particles as raw bytes and never touches sockets.

import { ParticleType } from '../protocol/constants';
import { computeDigest, partitionId } from '../protocol/digest';
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

export class SimulatedStore {
  private readonly records = new Map<string, StoredRecord>();

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

  private expired(record: StoredRecord): boolean {
    return record.voidTime !== 0 && record.voidTime <= this.now();
  }

  /** The live record, or undefined (an expired record is dropped on the way). */
  get(namespace: string, digest: Uint8Array): StoredRecord | undefined {
    const id = SimulatedStore.id(namespace, digest);
    const record = this.records.get(id);
    if (record === undefined) return undefined;
    if (this.expired(record)) {
      this.records.delete(id);
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
    return { record, created: true };
  }

  delete(namespace: string, digest: Uint8Array): boolean {
    const live = this.get(namespace, digest) !== undefined;
    this.records.delete(SimulatedStore.id(namespace, digest));
    return live;
  }

  /** Applies a request TTL (the u32 on the wire) to a record being written. */
  applyTtl(record: StoredRecord, requestTtl: number, created: boolean): void {
    if (requestTtl === TTL_DONT_UPDATE && !created) return;
    const seconds = requestTtl === 0 || requestTtl === TTL_DONT_UPDATE ? this.defaultTtlSeconds : requestTtl;
    record.voidTime = seconds === 0 || seconds === TTL_NEVER_EXPIRE ? 0 : this.now() + seconds;
  }

  /** Live records of a namespace (and set, when non-empty) in the given partitions, in insertion order. */
  *scan(namespace: string, set: string, partitions: ReadonlySet<number> | undefined): Generator<StoredRecord> {
    for (const record of this.records.values()) {
      if (record.namespace !== namespace) continue;
      if (set.length > 0 && record.set !== set) continue;
      if (partitions !== undefined && !partitions.has(record.partitionId)) continue;
      if (this.expired(record)) continue;
      yield record;
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

  clear(): void {
    this.records.clear();
  }
}
