// The record API's policies (client-design.md §C3): read, write, batch and scan policies, their
// defaults, and the per-call merge over the client's defaults with call-time validation naming the
// option. Pure data and checks.

import { checkBoolean, checkCount, checkDuration, checkOneOf, checkOptionsObject, describe, READ_POLICY_DEFAULTS, resolvePolicy, SCAN_POLICY_DEFAULTS, WRITE_POLICY_DEFAULTS, type ReadPolicy, type ResolvedPolicy } from '../cluster/policy';
import { PARTITION_COUNT } from '../protocol/digest';
import type { ExistsPolicy } from '../protocol/requests';
import { isWellFormed, loneSurrogateError } from '../protocol/utf8';

export type { ReadPolicy, ReplicaPolicy } from '../cluster/policy';
export type { ExistsPolicy } from '../protocol/requests';

export interface WritePolicy extends ReadPolicy {
  /** Store the user key with the record (returned by scans). Default false. */
  readonly sendKey?: boolean;
  /** Record TTL: 0 = namespace default, -1 = never expire, -2 = leave unchanged. Default 0. */
  readonly ttlSeconds?: number;
  /** Write only if the record's generation equals this (else generation_error). */
  readonly generation?: number;
  /** Default 'ignore': create or update. */
  readonly exists?: ExistsPolicy;
  /** Leave a tombstone when the record is deleted (Enterprise). Default false. */
  readonly durableDelete?: boolean;
}

export interface BatchPolicy extends ReadPolicy {
  /** Nodes asked at once; 0 = all. Default 0. */
  readonly maxConcurrentNodes?: number;
}

export interface ScanPolicy extends ReadPolicy {
  /** Nodes scanned at once; 0 = all. Default 0. */
  readonly maxConcurrentNodes?: number;
  /** Stop after this many records. Default: all. */
  readonly maxRecords?: number;
  /** Scan only these partitions. Default all 4096. */
  readonly partitions?: { readonly begin: number; readonly count: number };
  /** Return only these bins. Default: all bins. */
  readonly bins?: readonly string[];
}

export interface ClientPolicies {
  readonly read?: ReadPolicy;
  readonly write?: WritePolicy;
  readonly batch?: BatchPolicy;
  readonly scan?: ScanPolicy;
}

export interface ResolvedWritePolicy extends ResolvedPolicy {
  readonly sendKey: boolean;
  readonly ttlSeconds: number;
  readonly generation: number | undefined;
  readonly exists: ExistsPolicy;
  readonly durableDelete: boolean;
}

export interface ResolvedBatchPolicy extends ResolvedPolicy {
  readonly maxConcurrentNodes: number;
}

export interface ResolvedScanPolicy extends ResolvedPolicy {
  readonly maxConcurrentNodes: number;
  readonly maxRecords: number | undefined;
  readonly partitions: { readonly begin: number; readonly count: number };
  readonly bins: readonly string[] | undefined;
}

const EXISTS: readonly ExistsPolicy[] = ['ignore', 'create_only', 'update_only', 'replace', 'replace_only'];

export interface ResolvedClientPolicies {
  readonly read: ResolvedPolicy;
  readonly write: ResolvedWritePolicy;
  readonly batch: ResolvedBatchPolicy;
  readonly scan: ResolvedScanPolicy;
}

/** The client's defaults: §C3's, overridden by `options.policies`. */
export function resolveClientPolicies(policies: ClientPolicies | undefined): ResolvedClientPolicies {
  checkOptionsObject(policies, 'policies');
  const base = {
    read: READ_POLICY_DEFAULTS,
    write: { ...WRITE_POLICY_DEFAULTS, sendKey: false, ttlSeconds: 0, generation: undefined, exists: 'ignore' as const, durableDelete: false },
    batch: { ...READ_POLICY_DEFAULTS, maxConcurrentNodes: 0 },
    scan: { ...SCAN_POLICY_DEFAULTS, maxConcurrentNodes: 0, maxRecords: undefined, partitions: { begin: 0, count: PARTITION_COUNT }, bins: undefined },
  };
  return {
    read: resolvePolicy(base.read, policies?.read, 'policies.read'),
    write: resolveWritePolicy(base.write, policies?.write, 'policies.write'),
    batch: resolveBatchPolicy(base.batch, policies?.batch, 'policies.batch'),
    scan: resolveScanPolicy(base.scan, policies?.scan, 'policies.scan'),
  };
}

export function resolveWritePolicy(base: ResolvedWritePolicy, override: WritePolicy | undefined, name = 'opts'): ResolvedWritePolicy {
  const policy = resolvePolicy(base, override, name);
  if (override === undefined) return base;
  // present fields are checked, null included: `??` would turn generation: null into no CAS check at all
  const exists = override.exists === undefined ? base.exists : checkOneOf(override.exists, EXISTS, `${name}.exists`);
  const ttl = override.ttlSeconds === undefined ? base.ttlSeconds : checkTtl(override.ttlSeconds, `${name}.ttlSeconds`);
  const generation = override.generation === undefined ? base.generation : checkCount(override.generation, `${name}.generation`, 0, 0xffff_ffff);
  // resolvePolicy made `policy` for this call: the fields are added to it, not spread into a new
  // object (Node 20's V8 builds `{ ...policy, more }` on a slow path, 1–3 µs per call)
  return Object.assign(policy, {
    sendKey: override.sendKey === undefined ? base.sendKey : checkBoolean(override.sendKey, `${name}.sendKey`),
    ttlSeconds: ttl,
    generation,
    exists,
    durableDelete: override.durableDelete === undefined ? base.durableDelete : checkBoolean(override.durableDelete, `${name}.durableDelete`),
  });
}

export function resolveBatchPolicy(base: ResolvedBatchPolicy, override: BatchPolicy | undefined, name = 'opts'): ResolvedBatchPolicy {
  const policy = resolvePolicy(base, override, name);
  if (override === undefined) return base;
  return Object.assign(policy, {
    maxConcurrentNodes: override.maxConcurrentNodes === undefined ? base.maxConcurrentNodes : checkCount(override.maxConcurrentNodes, `${name}.maxConcurrentNodes`, 0, 10_000),
  });
}

export function resolveScanPolicy(base: ResolvedScanPolicy, override: ScanPolicy | undefined, name = 'opts'): ResolvedScanPolicy {
  const policy = resolvePolicy(base, override, name);
  if (override === undefined) return base;
  const partitions = override.partitions === undefined ? base.partitions : override.partitions;
  if (partitions === null || typeof partitions !== 'object') throw new TypeError(`${name}.partitions must be { begin, count }, got ${describe(partitions)}`);
  checkCount(partitions.begin, `${name}.partitions.begin`, 0, PARTITION_COUNT - 1);
  checkCount(partitions.count, `${name}.partitions.count`, 1, PARTITION_COUNT - partitions.begin);
  return Object.assign(policy, {
    maxConcurrentNodes: override.maxConcurrentNodes === undefined ? base.maxConcurrentNodes : checkCount(override.maxConcurrentNodes, `${name}.maxConcurrentNodes`, 0, 10_000),
    maxRecords: override.maxRecords === undefined ? base.maxRecords : checkCount(override.maxRecords, `${name}.maxRecords`, 1, Number.MAX_SAFE_INTEGER),
    partitions: { begin: partitions.begin, count: partitions.count },
    bins: override.bins === undefined ? base.bins : checkBinNames(override.bins, `${name}.bins`),
  });
}

/** A record TTL in seconds: -2 (leave unchanged), -1 (never expire), 0 (namespace default) or up to 2^32-1. */
function checkTtl(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -2 || value > 0xffff_ffff) {
    const message = `${name} must be an integer in [-2, 2^32), got ${describe(value)}`;
    throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
  }
  return value;
}

/** A bin-name list: an array of non-empty strings of at most 15 bytes (the server's limit). */
export function checkBinNames(bins: unknown, name: string): readonly string[] {
  if (!Array.isArray(bins)) throw new TypeError(`${name} must be an array of bin names, got ${describe(bins)}`);
  bins.forEach((bin, i) => {
    if (typeof bin !== 'string' || bin.length === 0) throw new TypeError(`${name}[${i}] must be a non-empty string, got ${describe(bin)}`);
    if (!isWellFormed(bin)) throw loneSurrogateError(bin, `${name}[${i}]`);
    if (Buffer.byteLength(bin, 'utf8') > 15) throw new RangeError(`${name}[${i}] ${JSON.stringify(bin)} is longer than 15 bytes, the server's bin name limit`);
  });
  return bins as readonly string[];
}

/** The server-side timeout a request carries: the total budget, else the socket timeout (0 = none). */
export function serverTimeoutMs(policy: ResolvedPolicy): number {
  return policy.totalTimeoutMs > 0 ? policy.totalTimeoutMs : policy.socketTimeoutMs;
}

export { checkDuration };
