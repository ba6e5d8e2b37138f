// Builds the partition-scan request (protocol.md §3.5): one whole type-3 frame with info3
// PARTITION_DONE, fresh partitions as a PID_ARRAY of u16 LE, resumed ones as a DIGEST_ARRAY of the
// last digest seen in each (cluster.md §11.1), a socket timeout and a task id. Pure. Field order and
// header values follow the official Node client (captures 05-scan-50-small, and its paginated scans).

import { FieldType, Info1, Info3 } from './constants';
import { DIGEST_SIZE, PARTITION_COUNT } from './digest';
import { encodeAsMsg, field, stringField, u32Field, u64Field, type FieldSpec } from './as-msg-encoder';
import { compressFlag, readOps } from './requests';

export interface PartitionScanOptions {
  readonly namespace: string;
  /** '' or absent: every set of the namespace. */
  readonly set?: string;
  /** Partitions to scan, each 0..4095. Default: all 4096, in order. Exclusive with `partitions`. */
  readonly partitionIds?: readonly number[];
  /**
   * Partitions to scan, each resumed after `digest` when given (the last record received from it):
   * those without a digest go in the PID_ARRAY, those with one in the DIGEST_ARRAY. Exclusive with `partitionIds`.
   */
  readonly partitions?: readonly PartitionCursor[];
  /** The scan's id on the server (QUERY_ID field, u64); a reused id is rejected with rc 4. */
  readonly taskId: bigint | number;
  /** The server's per-socket idle timeout in ms (SOCKET_TIMEOUT field). Default 30000, as the Node client sends. */
  readonly socketTimeoutMs?: number;
  /** Return only these bins (one READ op each). Default: all bins. */
  readonly binNames?: readonly string[];
  /** Return digests and metadata, no bins (info1 NOBINDATA). */
  readonly noBins?: boolean;
  /** Stop after about this many records (MAX_RECORDS field, u64). */
  readonly maxRecords?: number | bigint;
  /** Throttle the server to this many records per second (RECORDS_PER_SECOND field). */
  readonly recordsPerSecond?: number;
  /** Mark the scan short (info1 SHORT_QUERY): the server may append LAST to the final data frame. */
  readonly shortQuery?: boolean;
  /** Sets info1 COMPRESS_RESPONSE. */
  readonly useCompression?: boolean;
  /**
   * The raw u32 in the header's record-TTL slot. Default 0xFFFFFFFF: the Node client sends it for
   * scans (vectors/05, 06); servers do not use it for a plain partition scan.
   */
  readonly headerTtl?: number;
}

/** A partition of a scan, and where to resume it. */
export interface PartitionCursor {
  readonly id: number;
  /** The digest of the last record already received from this partition; the scan resumes after it. */
  readonly digest?: Uint8Array;
}

export const DEFAULT_SCAN_SOCKET_TIMEOUT_MS = 30_000;

function checkPartitionId(id: number): number {
  if (!Number.isInteger(id) || id < 0 || id >= PARTITION_COUNT) {
    throw new RangeError(`partition id must be an integer in [0, ${PARTITION_COUNT}), got ${id}`);
  }
  return id;
}

/** PID_ARRAY data for the cursors without a digest and DIGEST_ARRAY data for those with one (undefined when none). */
function cursorArrays(partitions: readonly PartitionCursor[]): { pids: Buffer | undefined; digests: Buffer | undefined } {
  if (partitions.length === 0) throw new RangeError('partitions must not be empty');
  const fresh: number[] = [];
  const resumed: Uint8Array[] = [];
  partitions.forEach((cursor, i) => {
    checkPartitionId(cursor.id);
    if (cursor.digest === undefined) {
      fresh.push(cursor.id);
      return;
    }
    if (!(cursor.digest instanceof Uint8Array) || cursor.digest.length !== DIGEST_SIZE) {
      throw new RangeError(`partitions[${i}].digest must be ${DIGEST_SIZE} bytes`);
    }
    // the server resumes a digest in the partition the digest maps to
    const low = cursor.digest[0]! | (cursor.digest[1]! << 8);
    if ((low & (PARTITION_COUNT - 1)) !== cursor.id) throw new RangeError(`partitions[${i}].digest belongs to partition ${low & (PARTITION_COUNT - 1)}, not ${cursor.id}`);
    resumed.push(cursor.digest);
  });
  return {
    pids: fresh.length > 0 ? pidArray(fresh) : undefined,
    digests: resumed.length > 0 ? Buffer.concat(resumed) : undefined,
  };
}

function pidArray(partitionIds: readonly number[] | undefined): Buffer {
  const count = partitionIds?.length ?? PARTITION_COUNT;
  if (count === 0) throw new RangeError('partitionIds must not be empty');
  const data = Buffer.allocUnsafe(count * 2);
  for (let i = 0; i < count; i++) {
    data.writeUInt16LE(partitionIds === undefined ? i : checkPartitionId(partitionIds[i]!), i * 2);
  }
  return data;
}

/** The whole scan request frame. */
export function encodePartitionScan(options: PartitionScanOptions): Buffer {
  if (typeof options.namespace !== 'string' || options.namespace.length === 0) {
    throw new TypeError('namespace must be a non-empty string');
  }
  const bins = options.binNames ?? [];
  if (options.noBins === true && bins.length > 0) throw new TypeError('noBins and binNames are mutually exclusive');
  const fields: FieldSpec[] = [stringField(FieldType.NAMESPACE, options.namespace, 'namespace')];
  if (options.set !== undefined && options.set.length > 0) fields.push(stringField(FieldType.SET, options.set, 'set'));
  fields.push(u32Field(FieldType.SOCKET_TIMEOUT, options.socketTimeoutMs ?? DEFAULT_SCAN_SOCKET_TIMEOUT_MS));
  const taskId = BigInt(options.taskId);
  if (taskId < 0n || taskId >= 2n ** 64n) throw new RangeError(`taskId must be a u64, got ${taskId}`);
  fields.push(u64Field(FieldType.QUERY_ID, taskId));
  if (options.partitions !== undefined) {
    if (options.partitionIds !== undefined) throw new TypeError('partitionIds and partitions are mutually exclusive');
    const { pids, digests } = cursorArrays(options.partitions);
    if (pids !== undefined) fields.push(field(FieldType.PID_ARRAY, pids));
    if (digests !== undefined) fields.push(field(FieldType.DIGEST_ARRAY, digests));
  } else {
    fields.push(field(FieldType.PID_ARRAY, pidArray(options.partitionIds)));
  }
  if (options.maxRecords !== undefined) {
    const max = BigInt(options.maxRecords);
    if (max <= 0n || max >= 2n ** 64n) throw new RangeError(`maxRecords must be a positive u64, got ${max}`);
    fields.push(u64Field(FieldType.MAX_RECORDS, max));
  }
  if (options.recordsPerSecond !== undefined) fields.push(u32Field(FieldType.RECORDS_PER_SECOND, options.recordsPerSecond));

  let info1: number = Info1.READ | compressFlag(options);
  if (options.noBins === true) info1 |= Info1.NOBINDATA;
  if (options.shortQuery === true) info1 |= Info1.SHORT_QUERY;
  return encodeAsMsg(
    { info1, info3: Info3.PARTITION_DONE, recordTtl: options.headerTtl ?? 0xffff_ffff, transactionTtl: 0 },
    fields,
    readOps(bins),
  );
}
