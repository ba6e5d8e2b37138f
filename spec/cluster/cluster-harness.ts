// Plumbing for the cluster marble specs: a TestScheduler run with a frame cap (a tend loop never
// empties the queue), key commands built from the protocol codecs, and policy shorthands.
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import { AerospikeError } from '../../lib/errors';
import type { KeyCommand } from '../../lib/cluster/executor';
import type { BatchCommand } from '../../lib/cluster/batch-executor';
import { encodeBatchGet } from '../../lib/protocol/batch-request';
import { READ_POLICY_DEFAULTS, WRITE_POLICY_DEFAULTS, type ResolvedPolicy } from '../../lib/cluster/policy';
import { keyDigest, encodeGet, encodePut, type RecordKey } from '../../lib/protocol/requests';
import { partitionId } from '../../lib/protocol/digest';
import { decodeRecord } from '../../lib/protocol/record';
import { testScheduler } from '../testing/marble-helpers';

export interface Run extends RunHelpers {
  readonly scheduler: TestScheduler;
  /** Runs fn at virtual time ms (from the start of the run). */
  at(ms: number, fn: () => void): void;
}

/** A marble run that stops at `horizonMs` of virtual time even when a tend loop is still armed. */
export function runMarbles(fn: (run: Run) => void, horizonMs = 120_000): void {
  const scheduler = testScheduler();
  scheduler.run((helpers) => {
    scheduler.maxFrames = horizonMs;
    fn({ ...helpers, scheduler, at: (ms, f) => void scheduler.schedule(f, ms) });
  });
}

export const KEY: RecordKey = { namespace: 'test', set: 'users', key: 'ada' };

export function partitionOf(key: RecordKey): number {
  return partitionId(keyDigest(key));
}

/** A get: the record's bins, or null when the key is missing (result 2); other result codes are errors. */
export function getCommand(key: RecordKey = KEY): KeyCommand<Record<string, unknown> | null> {
  return {
    command: 'get',
    namespace: key.namespace,
    set: key.set,
    partition: partitionOf(key),
    write: false,
    request: encodeGet(key),
    parse: (body) => {
      const record = decodeRecord(body);
      if (record.resultCode === 2) return null;
      if (record.resultCode !== 0) throw AerospikeError.fromResultCode(record.resultCode, 'get');
      return { ...record.bins };
    },
  };
}

/** A put of bins; emits the new generation. */
export function putCommand(key: RecordKey, bins: Record<string, string | number>): KeyCommand<number> {
  return {
    command: 'put',
    namespace: key.namespace,
    set: key.set,
    partition: partitionOf(key),
    write: true,
    request: encodePut(key, bins),
    parse: (body) => {
      const record = decodeRecord(body);
      if (record.resultCode !== 0) throw AerospikeError.fromResultCode(record.resultCode, 'put');
      return record.generation;
    },
  };
}

export function readPolicy(overrides: Partial<ResolvedPolicy> = {}): ResolvedPolicy {
  return { ...READ_POLICY_DEFAULTS, ...overrides };
}

export function writePolicy(overrides: Partial<ResolvedPolicy> = {}): ResolvedPolicy {
  return { ...WRITE_POLICY_DEFAULTS, ...overrides };
}

export interface HarnessBatchKey {
  readonly namespace: string;
  readonly partition: number;
  readonly key: RecordKey;
}

/** A batch get of `keys`: each result is the record's bins, or null when missing. */
export function batchCommand(keys: readonly RecordKey[]): BatchCommand<HarnessBatchKey, Record<string, unknown> | null> {
  return {
    command: 'batch_get',
    keys: keys.map((key) => ({ namespace: key.namespace, partition: partitionOf(key), key })),
    encode: (entries) => encodeBatchGet(entries.map((e) => e.key.key), {}, entries.map((e) => e.index)),
    parse: (record) => ({ ...record.bins }),
    missing: null,
  };
}
