// Batch and scan requests of the record API as the cluster executors run them: the per-node request
// builders and the reply record → AerospikeRecord conversion. Pure.

import type { BatchCommand } from '../cluster/batch-executor';
import type { ScanCommand } from '../cluster/scan-executor';
import type { ResolvedPolicy } from '../cluster/policy';
import { encodeBatchGet } from '../protocol/batch-request';
import type { UserKey } from '../protocol/digest';
import { ttlSecondsFromVoidTime, type DecodedRecord } from '../protocol/record';
import { encodePartitionScan, type PartitionCursor } from '../protocol/scan-request';
import { serverTimeoutMs, type ResolvedScanPolicy } from './client-policies';
import { recordKey, type AerospikeRecord } from './record-commands';
import type { Key, ResolvedKey } from './record-key';

export function batchGetCommand(keys: readonly ResolvedKey[], bins: readonly string[] | undefined, policy: ResolvedPolicy, nowMs: () => number): BatchCommand<ResolvedKey, AerospikeRecord | null> {
  const options = { timeoutMs: serverTimeoutMs(policy), useCompression: policy.useCompression };
  return {
    command: 'batch_get',
    keys,
    encode: (entries) =>
      encodeBatchGet(
        // the resolved keys as they are, or with the bin names listed (not spread: Node 20's V8 builds
        // `{ ...key, bins }` on a slow path, 1–3 µs per key)
        bins === undefined ? entries.map((e) => e.key) : entries.map((e) => ({ namespace: e.key.namespace, set: e.key.set, digest: e.key.digest, bins })),
        options,
        entries.map((e) => e.index),
      ),
    parse: (record, index) => ({ key: recordKey(keys[index]!), bins: record.bins, generation: record.generation, ttlSeconds: ttlSecondsFromVoidTime(record.voidTime, nowMs()) }),
    missing: null,
  };
}

export function scanCommand(namespace: string, set: string | undefined, policy: ResolvedScanPolicy): ScanCommand<AerospikeRecord> {
  return {
    command: 'scan',
    namespace,
    set,
    partitions: policy.partitions,
    maxRecords: policy.maxRecords,
    encode: (partitions, resumeAfter, taskId, maxRecords) =>
      encodePartitionScan({
        namespace,
        ...(set !== undefined && { set }),
        // a first pass resumes nothing: its ids go as they are, with no cursor object per partition
        ...(partitions.some((id) => resumeAfter(id) !== undefined) ? { partitions: partitions.map((id) => scanCursor(id, resumeAfter(id))) } : { partitionIds: partitions }),
        taskId,
        ...(maxRecords !== undefined && { maxRecords }),
        ...(policy.socketTimeoutMs > 0 && { socketTimeoutMs: policy.socketTimeoutMs }),
        ...(policy.bins !== undefined && { binNames: policy.bins }),
        useCompression: policy.useCompression,
      }),
    parse: (record, nowMs) => scannedRecord(record, namespace, set, nowMs),
  };
}

function scanCursor(id: number, digest: Buffer | undefined): PartitionCursor {
  return digest === undefined ? { id } : { id, digest };
}

function scannedRecord(record: DecodedRecord, namespace: string, set: string | undefined, nowMs: number): AerospikeRecord {
  const ns = record.namespace ?? namespace;
  const setName = record.set ?? set ?? '';
  // a scan record always carries its digest; the user key only when it was stored (sendKey)
  let key: Key;
  if (record.digest === undefined) key = record.key === undefined ? { namespace: ns, set: setName } : { namespace: ns, set: setName, key: record.key as UserKey };
  else key = record.key === undefined ? { namespace: ns, set: setName, digest: record.digest } : { namespace: ns, set: setName, key: record.key as UserKey, digest: record.digest };
  return { key, bins: record.bins, generation: record.generation, ttlSeconds: ttlSecondsFromVoidTime(record.voidTime, nowMs) };
}
