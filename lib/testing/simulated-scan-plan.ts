// What a simulated node's partition scan returns, in the order a real node sends it: the requested
// partitions in request order, each either its records (descending digest order, after a resume
// digest) or one PARTITION_DONE marker when the node does not hold it. Decides content only.

import { parseError } from '../errors';
import { FieldType } from '../protocol/constants';
import { DIGEST_SIZE, PARTITION_COUNT, partitionId } from '../protocol/digest';
import type { SimulatedStore, StoredRecord } from './simulated-store';

/**
 * A node's relation to a partition. `held`: master or prole, served by scans and key commands.
 * `proxied`: key commands succeed (a real node proxies them to the master), scans answer rc 11.
 * `unavailable`: key commands and scans answer rc 11.
 */
export type PartitionAccess = 'held' | 'proxied' | 'unavailable';

export type PartitionAccessFn = (namespace: string, partitionId: number) => PartitionAccess;

/** One requested partition: all of it, or only the digests that follow `after` (a DIGEST_ARRAY resume). */
interface ScanTarget {
  readonly partitionId: number;
  readonly after: Buffer | undefined;
}

/** A record to send, or the id of a partition to answer with a PARTITION_DONE marker. */
export type ScanItem = StoredRecord | number;

/** PID_ARRAY partitions, then DIGEST_ARRAY ones; neither field: every partition, without resume. */
function targetsOf(fields: ReadonlyMap<number, Buffer>): ScanTarget[] {
  const pids = fields.get(FieldType.PID_ARRAY);
  const digests = fields.get(FieldType.DIGEST_ARRAY);
  const targets: ScanTarget[] = [];
  if (pids !== undefined) {
    if (pids.length % 2 !== 0) throw parseError(`PID_ARRAY length ${pids.length} is not a multiple of 2`);
    for (let at = 0; at < pids.length; at += 2) {
      const id = pids.readUInt16LE(at);
      if (id >= PARTITION_COUNT) throw parseError(`partition id ${id} in PID_ARRAY is not below ${PARTITION_COUNT}`);
      targets.push({ partitionId: id, after: undefined });
    }
  }
  if (digests !== undefined) {
    if (digests.length % DIGEST_SIZE !== 0) throw parseError(`DIGEST_ARRAY length ${digests.length} is not a multiple of ${DIGEST_SIZE}`);
    for (let at = 0; at < digests.length; at += DIGEST_SIZE) {
      const after = digests.subarray(at, at + DIGEST_SIZE);
      targets.push({ partitionId: partitionId(after), after });
    }
  }
  if (pids === undefined && digests === undefined) {
    for (let id = 0; id < PARTITION_COUNT; id++) targets.push({ partitionId: id, after: undefined });
  }
  return targets;
}

/**
 * The scan's items. Fields are checked at once (a malformed array closes the socket before any
 * reply); the store is read when the first item is pulled. `markers`: the request set info3
 * PARTITION_DONE, so partitions the node does not serve get a marker instead of silence.
 */
export function scanPlan(
  fields: ReadonlyMap<number, Buffer>,
  namespace: string,
  set: string,
  store: SimulatedStore,
  access: PartitionAccessFn | undefined,
  markers: boolean,
): Iterable<ScanItem> {
  const targets = targetsOf(fields);
  const served = (id: number): boolean => access === undefined || access(namespace, id) === 'held';
  return {
    *[Symbol.iterator]() {
      const wanted = new Set<number>();
      for (const target of targets) if (served(target.partitionId)) wanted.add(target.partitionId);
      // one pass over the store; a real 8.1 node walks each partition in descending digest order
      const buckets = new Map<number, StoredRecord[]>();
      for (const record of store.scan(namespace, set, wanted)) {
        const bucket = buckets.get(record.partitionId);
        if (bucket === undefined) buckets.set(record.partitionId, [record]);
        else bucket.push(record);
      }
      for (const bucket of buckets.values()) bucket.sort((a, b) => Buffer.compare(b.digest, a.digest));
      for (const target of targets) {
        if (!wanted.has(target.partitionId)) {
          if (markers) yield target.partitionId;
          continue;
        }
        for (const record of buckets.get(target.partitionId) ?? []) {
          // resuming after digest d returns the digests below d (d itself excluded), as a real node does
          if (target.after === undefined || Buffer.compare(record.digest, target.after) < 0) yield record;
        }
      }
    },
  };
}
