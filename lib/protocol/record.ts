// Decoder of AS_MSG reply records: header values, the namespace/set/digest/key fields and the bins
// as Values (value.ts). Each record is bounds-checked by checkAsMsgRecord (as-msg.ts) before it is decoded. Pure:
// the caller passes the clock (`nowMs`) wherever a TTL is derived from a void time.

import { parseError } from '../errors';
import { AS_MSG_HEADER_SIZE, FieldType, Info3 } from './constants';
import { asBuffer, checkAsMsgRecord } from './as-msg';
import { decodeName } from './name-cache';
import { ownedBytes } from './owned-bytes';
import { decodeBinValueAt, type Value } from './value';

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
  readonly namespace: string | undefined;
  readonly set: string | undefined;
  readonly digest: Buffer | undefined;
  /** The user key when the server stored it (string, integer or blob). */
  readonly key: Value | undefined;
  /** Bins by name (null prototype); a name seen twice keeps the last value. */
  readonly bins: Readonly<Record<string, Value>>;
}

/** Seconds between 1970-01-01 and 2010-01-01, the epoch of void times. */
export const CITRUSLEAF_EPOCH_SECONDS = 1_262_304_000;

/**
 * Every record of a reply body (a whole frame body, inflated when it was compressed), in order.
 * `owned`: no record keeps a view of `body` (digests, blobs, lists and maps are copied), so the
 * caller may reuse its memory; otherwise those are views of it.
 */
export function decodeRecords(body: Uint8Array, owned = false): DecodedRecord[] {
  const b = asBuffer(body);
  const records: DecodedRecord[] = [];
  const end = b.length;
  let offset = 0;
  while (offset < end) {
    // the whole record is bounds-checked before any of it is decoded
    const recordEnd = checkAsMsgRecord(b, offset, end);
    records.push(decodeCheckedRecord(b, offset, owned));
    offset = recordEnd;
  }
  return records;
}

/**
 * One record that checkAsMsgRecord passed (at offset `o` of `b`); every record gets the same shape
 * (absent fields undefined). `owned`: as for decodeRecords.
 */
export function decodeCheckedRecord(b: Buffer, o: number, owned: boolean): DecodedRecord {
  let namespace: string | undefined;
  let set: string | undefined;
  let digest: Buffer | undefined;
  let key: Value | undefined;
  const fieldCount = (b[o + 18]! << 8) | b[o + 19]!;
  const opCount = (b[o + 20]! << 8) | b[o + 21]!;
  let at = o + AS_MSG_HEADER_SIZE;
  for (let i = 0; i < fieldCount; i++) {
    const size = b.readUInt32BE(at);
    const dataEnd = at + 4 + size;
    switch (b[at + 4]) {
      case FieldType.NAMESPACE:
        namespace = decodeName(b, at + 5, dataEnd);
        break;
      case FieldType.SET:
        set = decodeName(b, at + 5, dataEnd);
        break;
      case FieldType.DIGEST_RIPE:
        digest = owned ? ownedBytes(b, at + 5, dataEnd) : b.subarray(at + 5, dataEnd);
        break;
      case FieldType.KEY:
        if (size > 1) key = decodeBinValueAt(b, b[at + 5]!, at + 6, dataEnd, owned);
        break;
      default:
        break;
    }
    at = dataEnd;
  }
  const bins: Record<string, Value> = Object.create(null);
  for (let i = 0; i < opCount; i++) {
    const size = b.readUInt32BE(at);
    const nameEnd = at + 8 + b[at + 7]!;
    bins[decodeName(b, at + 8, nameEnd)] = decodeBinValueAt(b, b[at + 5]!, nameEnd, at + 4 + size, owned);
    at += 4 + size;
  }
  const info3 = b[o + 3]!;
  return {
    resultCode: b[o + 5]!,
    info1: b[o + 1]!,
    info2: b[o + 2]!,
    info3,
    generation: b.readUInt32BE(o + 6),
    voidTime: b.readUInt32BE(o + 10),
    batchIndex: b.readUInt32BE(o + 14),
    last: (info3 & Info3.LAST) !== 0,
    partitionDone: (info3 & Info3.PARTITION_DONE) !== 0,
    namespace,
    set,
    digest,
    key,
    bins,
  };
}

/**
 * The single record of a single-record reply body (get, put, exists, delete). `owned`: as for
 * decodeRecords, the record keeps no view of `body`.
 */
export function decodeRecord(body: Uint8Array, owned = false): DecodedRecord {
  const b = asBuffer(body);
  // the common case without a list: one record that ends where the body does
  if (b.length > 0 && checkAsMsgRecord(b, 0, b.length) === b.length) return decodeCheckedRecord(b, 0, owned);
  const records = decodeRecords(body);
  throw parseError(`expected one as_msg record in a single-record reply, got ${records.length}`);
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
