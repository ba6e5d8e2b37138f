// Decoder of AS_MSG reply records: header values, the namespace/set/digest/key fields and the bins
// as Values (value.ts). Built on walkAsMsgRecords, so every size prefix is bounds-checked there. Pure:
// the caller passes the clock (`nowMs`) wherever a TTL is derived from a void time.

import { parseError } from '../errors';
import { FieldType, Info3 } from './constants';
import { walkAsMsgRecords } from './as-msg';
import { decodeBinValue, type Value } from './value';

export interface DecodedRecord {
  readonly resultCode: number;
  readonly info1: number;
  readonly info2: number;
  readonly info3: number;
  /** Record generation; in a PARTITION_DONE record, the partition id. */
  readonly generation: number;
  /** Void time: seconds since 2010-01-01T00:00:00Z when the record expires; 0 = never. */
  readonly voidTime: number;
  /** The transaction-ttl slot: a batch reply's key index (0 elsewhere). */
  readonly batchIndex: number;
  /** info3 LAST: the terminal record of a multi-record reply. */
  readonly last: boolean;
  /** info3 PARTITION_DONE: a scan's end-of-partition marker (generation = partition id). */
  readonly partitionDone: boolean;
  readonly namespace?: string;
  readonly set?: string;
  readonly digest?: Buffer;
  /** The user key when the server stored it (string, integer or blob). */
  readonly key?: Value;
  /** Bins by name (null prototype); a name seen twice keeps the last value. */
  readonly bins: Readonly<Record<string, Value>>;
}

/** Seconds between 1970-01-01 and 2010-01-01, the epoch of void times. */
export const CITRUSLEAF_EPOCH_SECONDS = 1_262_304_000;

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Every record of a reply body (a whole frame body, inflated when it was compressed), in order. */
export function decodeRecords(body: Uint8Array): DecodedRecord[] {
  const b = asBuffer(body);
  const records: DecodedRecord[] = [];
  walkAsMsgRecords(b, (span) => {
    const o = span.offset;
    let namespace: string | undefined;
    let set: string | undefined;
    let digest: Buffer | undefined;
    let key: Value | undefined;
    let at = span.fieldsOffset;
    for (let i = 0; i < span.fieldCount; i++) {
      const size = b.readUInt32BE(at);
      const data = b.subarray(at + 5, at + 4 + size);
      switch (b[at + 4]) {
        case FieldType.NAMESPACE:
          namespace = data.toString('utf8');
          break;
        case FieldType.SET:
          set = data.toString('utf8');
          break;
        case FieldType.DIGEST_RIPE:
          digest = data;
          break;
        case FieldType.KEY:
          if (data.length > 0) key = decodeBinValue(data[0]!, data.subarray(1));
          break;
        default:
          break;
      }
      at += 4 + size;
    }
    const bins: Record<string, Value> = Object.create(null);
    for (let i = 0; i < span.opCount; i++) {
      const size = b.readUInt32BE(at);
      const particleType = b[at + 5]!;
      const nameLength = b[at + 7]!;
      const name = b.toString('utf8', at + 8, at + 8 + nameLength);
      bins[name] = decodeBinValue(particleType, b.subarray(at + 8 + nameLength, at + 4 + size));
      at += 4 + size;
    }
    const info3 = b[o + 3]!;
    records.push({
      resultCode: b[o + 5]!,
      info1: b[o + 1]!,
      info2: b[o + 2]!,
      info3,
      generation: b.readUInt32BE(o + 6),
      voidTime: b.readUInt32BE(o + 10),
      batchIndex: b.readUInt32BE(o + 14),
      last: (info3 & Info3.LAST) !== 0,
      partitionDone: (info3 & Info3.PARTITION_DONE) !== 0,
      ...(namespace !== undefined && { namespace }),
      ...(set !== undefined && { set }),
      ...(digest !== undefined && { digest }),
      ...(key !== undefined && { key }),
      bins,
    });
  });
  return records;
}

/** The single record of a single-record reply body (get, put, exists, delete). */
export function decodeRecord(body: Uint8Array): DecodedRecord {
  const records = decodeRecords(body);
  if (records.length !== 1) {
    throw parseError(`expected one as_msg record in a single-record reply, got ${records.length}`);
  }
  return records[0]!;
}

/** A void time as a Date, or undefined for 0 (never expires). */
export function voidTimeToDate(voidTime: number): Date | undefined {
  return voidTime === 0 ? undefined : new Date((CITRUSLEAF_EPOCH_SECONDS + voidTime) * 1000);
}

/** The record as the client returns it: bins, generation, and the TTL left in seconds (-1: never expires). */
export interface RecordValues {
  readonly bins: Readonly<Record<string, Value>>;
  readonly generation: number;
  readonly ttlSeconds: number;
}

/**
 * Seconds until a void time, read at `nowMs` (ms since 1970); -1 for void time 0 (never expires). A
 * record not yet expired on the server but past its time by the local clock reads 1, never 0 or less,
 * so it cannot be confused with "never expires" (the Java client's rule).
 */
export function ttlSecondsFromVoidTime(voidTime: number, nowMs: number): number {
  if (voidTime === 0) return -1;
  const nowSeconds = Math.floor(nowMs / 1000) - CITRUSLEAF_EPOCH_SECONDS;
  return voidTime > nowSeconds ? voidTime - nowSeconds : 1;
}

/** Bins, generation and TTL of a decoded reply record, the TTL read against `nowMs`. */
export function recordValues(record: DecodedRecord, nowMs: number): RecordValues {
  return { bins: record.bins, generation: record.generation, ttlSeconds: ttlSecondsFromVoidTime(record.voidTime, nowMs) };
}
