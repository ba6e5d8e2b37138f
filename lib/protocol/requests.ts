// Request builders for single-record commands (get, exists, put, delete): each returns a WHOLE
// type-3 frame, byte-for-byte what the official clients send (checked against vectors/ captures).
// Pure: no sockets, no timers. Compressing a request frame is compression.ts's job, not this one.

import { FieldType, Info1, Info2, OpType, ParticleType } from './constants';
import { computeDigest, DIGEST_SIZE, encodeUserKey, type UserKey } from './digest';
import { binName, encodeAsMsg, field, stringField, type FieldSpec, type OpSpec } from './as-msg-encoder';
import { encodeParticle, type BinValue } from './particle';

/** Where a record lives: namespace, set ('' = no set) and either the user key or its digest. */
export interface RecordKey {
  readonly namespace: string;
  readonly set: string;
  /** The user key; required for `sendKey`, else used to compute the digest when `digest` is absent. */
  readonly key?: UserKey;
  /** The 20-byte digest; computed from `set` and `key` when absent. */
  readonly digest?: Uint8Array;
}

export interface CommandRequestOptions {
  /** Server-side timeout in ms (the header's transaction-ttl slot); 0 = none. Default 1000, as the official clients send. */
  readonly timeoutMs?: number;
  /** Sets info1 COMPRESS_RESPONSE: a server with compression may answer with a type-4 frame. */
  readonly useCompression?: boolean;
}

export interface GetOptions extends CommandRequestOptions {
  /** Read only these bins (info1 READ + one READ op each). Default: all bins (READ | GET_ALL). */
  readonly bins?: readonly string[];
  /** Read generation and TTL only (READ | NOBINDATA), as `exists` does. */
  readonly headerOnly?: boolean;
}

export interface PutOptions extends CommandRequestOptions {
  /** Also send the user key (KEY field) so the server stores it with the record. */
  readonly sendKey?: boolean;
  /** Record TTL in seconds; 0 = namespace default, -1 = never expire, -2 = leave unchanged. Default 0. */
  readonly ttlSeconds?: number;
  /** Write only if the record's generation equals this (info2 GENERATION). */
  readonly generation?: number;
  /** Fail with result code 5 when the record exists (info2 CREATE_ONLY). */
  readonly createOnly?: boolean;
}

export interface DeleteOptions extends CommandRequestOptions {
  /** Delete only if the record's generation equals this (info2 GENERATION). */
  readonly generation?: number;
  /** Leave a tombstone (info2 DURABLE_DELETE; Enterprise servers). */
  readonly durableDelete?: boolean;
}

/** A put's bins: an object (insertion order kept) or [name, value] pairs. */
export type Bins = Readonly<Record<string, BinValue>> | ReadonlyArray<readonly [string, BinValue]>;

export const DEFAULT_SERVER_TIMEOUT_MS = 1000;

const NO_VALUE = Buffer.alloc(0);

function checkNonNegativeU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${what} must be an integer in [0, 2^32), got ${value}`);
  }
  return value;
}

export function serverTimeout(options: CommandRequestOptions): number {
  return checkNonNegativeU32(options.timeoutMs ?? DEFAULT_SERVER_TIMEOUT_MS, 'timeoutMs');
}

export function compressFlag(options: { readonly useCompression?: boolean }): number {
  return options.useCompression === true ? Info1.COMPRESS_RESPONSE : 0;
}

/** The key's digest, given or computed, checked for length. */
export function keyDigest(key: RecordKey): Uint8Array {
  if (key.digest !== undefined) {
    if (key.digest.length !== DIGEST_SIZE) throw new RangeError(`digest must be ${DIGEST_SIZE} bytes, got ${key.digest.length}`);
    return key.digest;
  }
  if (key.key === undefined) throw new TypeError('a record key needs `key` or `digest`');
  return computeDigest(key.set, key.key);
}

/** NAMESPACE, SET (omitted for ''), DIGEST_RIPE, in the order the clients send them. */
function keyFields(key: RecordKey): FieldSpec[] {
  if (typeof key.namespace !== 'string' || key.namespace.length === 0) throw new TypeError('namespace must be a non-empty string');
  if (typeof key.set !== 'string') throw new TypeError('set must be a string (\'\' for none)');
  const fields = [stringField(FieldType.NAMESPACE, key.namespace)];
  if (key.set.length > 0) fields.push(stringField(FieldType.SET, key.set));
  fields.push(field(FieldType.DIGEST_RIPE, keyDigest(key)));
  return fields;
}

function userKeyField(key: RecordKey): FieldSpec {
  if (key.key === undefined) throw new TypeError('sendKey needs the user key (`key`), not only a digest');
  const { particleType, bytes } = encodeUserKey(key.key);
  const data = Buffer.allocUnsafe(1 + bytes.length);
  data[0] = particleType;
  bytes.copy(data, 1);
  return field(FieldType.KEY, data);
}

/** One READ op per named bin (particle NULL, no value). */
export function readOps(bins: readonly string[]): OpSpec[] {
  return bins.map((name) => ({ op: OpType.READ, particleType: ParticleType.NULL, name: binName(name), value: NO_VALUE }));
}

/** info1 for a read: all bins, named bins, or header only. */
export function readInfo1(options: { readonly bins?: readonly string[]; readonly headerOnly?: boolean }): number {
  if (options.headerOnly === true) {
    if (options.bins !== undefined && options.bins.length > 0) throw new TypeError('headerOnly and bins are mutually exclusive');
    return Info1.READ | Info1.NOBINDATA;
  }
  return options.bins !== undefined && options.bins.length > 0 ? Info1.READ : Info1.READ | Info1.GET_ALL;
}

function recordTtl(ttlSeconds: number | undefined): number {
  const ttl = ttlSeconds ?? 0;
  if (!Number.isInteger(ttl) || ttl < -2 || ttl > 0xffff_ffff) {
    throw new RangeError(`ttlSeconds must be an integer in [-2, 2^32), got ${ttl}`);
  }
  return ttl >>> 0; // -1 → 0xFFFFFFFF (never expire), -2 → 0xFFFFFFFE (leave unchanged)
}

/** GET: all bins, the named bins, or the header only. */
export function encodeGet(key: RecordKey, options: GetOptions = {}): Buffer {
  const bins = options.headerOnly === true ? [] : (options.bins ?? []);
  return encodeAsMsg(
    { info1: readInfo1(options) | compressFlag(options), transactionTtl: serverTimeout(options) },
    keyFields(key),
    readOps(bins),
  );
}

/** EXISTS: a header-only read (generation and void time come back, no bins). */
export function encodeExists(key: RecordKey, options: CommandRequestOptions = {}): Buffer {
  return encodeGet(key, { ...options, headerOnly: true, bins: undefined });
}

function binEntries(bins: Bins): ReadonlyArray<readonly [string, BinValue]> {
  return Array.isArray(bins) ? bins : Object.entries(bins as Readonly<Record<string, BinValue>>);
}

/** PUT: one WRITE op per bin. */
export function encodePut(key: RecordKey, bins: Bins, options: PutOptions = {}): Buffer {
  const entries = binEntries(bins);
  if (entries.length === 0) throw new TypeError('a put needs at least one bin');
  const ops: OpSpec[] = entries.map(([name, value]) => {
    const particle = encodeParticle(value, `bin "${name}"`);
    return { op: OpType.WRITE, particleType: particle.particleType, name: binName(name), value: particle.bytes };
  });
  const fields = keyFields(key);
  if (options.sendKey === true) fields.push(userKeyField(key));
  let info2: number = Info2.WRITE;
  if (options.generation !== undefined) info2 |= Info2.GENERATION;
  if (options.createOnly === true) info2 |= Info2.CREATE_ONLY;
  return encodeAsMsg(
    {
      info1: compressFlag(options),
      info2,
      generation: options.generation === undefined ? 0 : checkNonNegativeU32(options.generation, 'generation'),
      recordTtl: recordTtl(options.ttlSeconds),
      transactionTtl: serverTimeout(options),
    },
    fields,
    ops,
  );
}

/** DELETE: info2 WRITE | DELETE, no ops. */
export function encodeDelete(key: RecordKey, options: DeleteOptions = {}): Buffer {
  let info2: number = Info2.WRITE | Info2.DELETE;
  if (options.generation !== undefined) info2 |= Info2.GENERATION;
  if (options.durableDelete === true) info2 |= Info2.DURABLE_DELETE;
  return encodeAsMsg(
    {
      info1: compressFlag(options),
      info2,
      generation: options.generation === undefined ? 0 : checkNonNegativeU32(options.generation, 'generation'),
      transactionTtl: serverTimeout(options),
    },
    keyFields(key),
  );
}
