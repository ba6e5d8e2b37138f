// Which partitions a scan request asks for (cluster.md §11.1): the PID_ARRAY's ids from their start,
// the DIGEST_ARRAY's partitions after each digest. Reads request fields only; test support.

import { FieldType } from '../protocol/constants';
import { DIGEST_SIZE, partitionId } from '../protocol/digest';

/** Partition id → the digest to resume after (undefined: the whole partition). Undefined: every partition. */
export function scanPartitions(fields: ReadonlyMap<number, Buffer>): Map<number, Buffer | undefined> | undefined {
  const pids = fields.get(FieldType.PID_ARRAY);
  const digests = fields.get(FieldType.DIGEST_ARRAY);
  if (pids === undefined && digests === undefined) return undefined;
  const partitions = new Map<number, Buffer | undefined>();
  if (pids !== undefined) for (let at = 0; at + 1 < pids.length; at += 2) partitions.set(pids.readUInt16LE(at), undefined);
  if (digests !== undefined) {
    for (let at = 0; at + DIGEST_SIZE <= digests.length; at += DIGEST_SIZE) {
      const digest = Buffer.from(digests.subarray(at, at + DIGEST_SIZE));
      partitions.set(partitionId(digest), digest);
    }
  }
  return partitions;
}
