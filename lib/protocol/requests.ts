// Request builders for single-record commands (get, exists, put, touch, delete): each returns a WHOLE
// type-3 frame, byte-for-byte what the official clients send (checked against the captures).
// Pure: no sockets, no timers. Compressing a request frame is compression.ts's job, not this one.

import { FieldType, Info1, Info2, Info3, OpType, ParticleType } from './constants';
import { computeDigest, DIGEST_SIZE, encodeUserKey, type UserKey } from './digest';
import { binName, encodeAsMsg, field, nameBytes, type FieldSpec, type OpSpec } from './as-msg-encoder';
import { FrameWriter, type RequestHeader } from './frame-writer';
import { type ValueInput } from './value';

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

/**
 * What a write does about an existing record, as the official clients send it:
 * `ignore` (default) writes either way; `create_only` fails with key_exists (5) when it exists (info2
 * CREATE_ONLY); `update_only` fails with key_not_found (2) when it does not (info3 UPDATE_ONLY);
 * `replace` drops the bins not written (info3 CREATE_OR_REPLACE); `replace_only` both (info3 REPLACE_ONLY).
 */
export type ExistsPolicy = 'ignore' | 'create_only' | 'update_only' | 'replace' | 'replace_only';

export interface WriteOptions extends CommandRequestOptions {
  /** Also send the user key (KEY field) so the server stores it with the record. */
  readonly sendKey?: boolean;
  /** Record TTL in seconds; 0 = namespace default, -1 = never expire, -2 = leave unchanged. Default 0. */
  readonly ttlSeconds?: number;
  /** Write only if the record's generation equals this (info2 GENERATION); else generation_error (3). */
  readonly generation?: number;
  /** Default 'ignore'. */
  readonly exists?: ExistsPolicy;
  /** Leave a tombstone when the write deletes the record (info2 DURABLE_DELETE; Community servers answer 25 to a durable delete). */
  readonly durableDelete?: boolean;
}

export interface PutOptions extends WriteOptions {
  /** @deprecated `exists: 'create_only'`. */
  readonly createOnly?: boolean;
}

export type TouchOptions = Omit<WriteOptions, 'exists'>;

export type DeleteOptions = Omit<WriteOptions, 'exists' | 'ttlSeconds'>;

/** A put's bins: an object (insertion order kept) or [name, value] pairs. `null` deletes that bin. */
export type Bins = Readonly<Record<string, ValueInput>> | ReadonlyArray<readonly [string, ValueInput]>;

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
export function keyFields(key: RecordKey): FieldSpec[] {
  if (typeof key.namespace !== 'string' || key.namespace.length === 0) throw new TypeError('namespace must be a non-empty string');
  if (typeof key.set !== 'string') throw new TypeError('set must be a string (\'\' for none)');
  const fields = [field(FieldType.NAMESPACE, nameBytes(key.namespace, 'namespace'))];
  if (key.set.length > 0) fields.push(field(FieldType.SET, nameBytes(key.set, 'set')));
  fields.push(field(FieldType.DIGEST_RIPE, keyDigest(key)));
  return fields;
}

/** keyFields (then KEY when `sendKey`) written straight into `writer`, without the list; returns how many. */
function writeKeyFieldsTo(writer: FrameWriter, key: RecordKey, sendKey: boolean | undefined): number {
  if (typeof key.namespace !== 'string' || key.namespace.length === 0) throw new TypeError('namespace must be a non-empty string');
  if (typeof key.set !== 'string') throw new TypeError('set must be a string (\'\' for none)');
  writer.field(FieldType.NAMESPACE, nameBytes(key.namespace, 'namespace'));
  let count = 2;
  if (key.set.length > 0) {
    writer.field(FieldType.SET, nameBytes(key.set, 'set'));
    count++;
  }
  writer.field(FieldType.DIGEST_RIPE, keyDigest(key));
  if (sendKey !== true) return count;
  const userKey = userKeyField(key);
  writer.field(userKey.type, userKey.data);
  return count + 1;
}

/** NAMESPACE, SET, DIGEST_RIPE, then KEY when `sendKey`. */
export function writeKeyFields(key: RecordKey, sendKey: boolean | undefined): FieldSpec[] {
  const fields = keyFields(key);
  if (sendKey === true) fields.push(userKeyField(key));
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
  const info1 = readInfo1(options) | compressFlag(options);
  const transactionTtl = serverTimeout(options);
  const bins = options.headerOnly === true ? undefined : options.bins;
  const writer = FrameWriter.acquire();
  try {
    const fieldCount = writeKeyFieldsTo(writer, key, false);
    if (bins !== undefined) for (const name of bins) writer.op(OpType.READ, ParticleType.NULL, binName(name), NO_VALUE);
    return writer.finish({ info1, info2: 0, info3: 0, generation: 0, recordTtl: 0, transactionTtl }, fieldCount, bins === undefined ? 0 : bins.length);
  } finally {
    writer.release();
  }
}

/** EXISTS: a header-only read (generation and void time come back, no bins). */
export function encodeExists(key: RecordKey, options: CommandRequestOptions = {}): Buffer {
  // listed, not spread: Node 20's V8 takes a slow path (1–3 µs) for `{ ...o, more }`
  return encodeGet(key, { timeoutMs: options.timeoutMs, useCompression: options.useCompression, headerOnly: true });
}

/** A bins object, checked to be one. */
function binsObject(bins: Bins): Readonly<Record<string, ValueInput>> {
  if (bins === null || typeof bins !== 'object') throw new TypeError(`bins must be an object or [name, value] pairs, got ${bins === null ? 'null' : typeof bins}`);
  return bins as Readonly<Record<string, ValueInput>>;
}

const EXISTS_FLAGS: Readonly<Record<ExistsPolicy, { readonly info2: number; readonly info3: number }>> = {
  ignore: { info2: 0, info3: 0 },
  create_only: { info2: Info2.CREATE_ONLY, info3: 0 },
  update_only: { info2: 0, info3: Info3.UPDATE_ONLY },
  replace: { info2: 0, info3: Info3.CREATE_OR_REPLACE },
  replace_only: { info2: 0, info3: Info3.REPLACE_ONLY },
};

/** The header values a write policy sets: info2 bits beyond WRITE, info3, generation and record TTL. */
export function writeHeader(options: WriteOptions & { readonly createOnly?: boolean }): { info2: number; info3: number; generation: number; recordTtl: number } {
  const exists = options.exists ?? (options.createOnly === true ? 'create_only' : 'ignore');
  const flags = Object.prototype.hasOwnProperty.call(EXISTS_FLAGS, exists) ? EXISTS_FLAGS[exists] : undefined;
  if (flags === undefined) throw new TypeError(`exists must be one of ${Object.keys(EXISTS_FLAGS).join(', ')}, got ${String(exists)}`);
  if (options.createOnly === true && exists !== 'create_only') throw new TypeError(`createOnly conflicts with exists '${exists}'`);
  let info2 = flags.info2;
  if (options.generation !== undefined) info2 |= Info2.GENERATION;
  if (options.durableDelete === true) info2 |= Info2.DURABLE_DELETE;
  return {
    info2,
    info3: flags.info3,
    generation: options.generation === undefined ? 0 : checkNonNegativeU32(options.generation, 'generation'),
    recordTtl: recordTtl(options.ttlSeconds),
  };
}

/**
 * A write's header: writeHeader's values with info1, the info2 bits of the command and the server
 * timeout. Listed field by field: Node 20's V8 builds `{ ...header, info1, … }` on a slow path that
 * cost 1–3 µs per call, more than the rest of encoding a put.
 */
export function requestHeader(header: ReturnType<typeof writeHeader>, info1: number, info2: number, transactionTtl: number): RequestHeader {
  return { info1, info2: info2 | header.info2, info3: header.info3, generation: header.generation, recordTtl: header.recordTtl, transactionTtl };
}

/** PUT: one WRITE op per bin; a `null` value deletes that bin (a record left with no bin is deleted). */
/** `bins.name` (or `bins["odd name"]`) for error messages, made once per bin name. */
const BIN_PATHS = new Map<string, string>();

function binPath(name: string): string {
  let path = BIN_PATHS.get(name);
  if (path === undefined) {
    path = `bins${/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`;
    if (BIN_PATHS.size >= 4096) BIN_PATHS.clear();
    BIN_PATHS.set(name, path);
  }
  return path;
}

/** binName's checks over the cached bytes. */
function binNameBytes(name: string): Buffer {
  const bytes = nameBytes(name, 'bin name');
  if (bytes.length > 255) throw new RangeError(`bin name must be at most 255 bytes, got ${bytes.length}`);
  return bytes;
}

export function encodePut(key: RecordKey, bins: Bins, options: PutOptions = {}): Buffer {
  // an object's bins are walked by its keys: Object.entries made an array per bin, per put
  const pairs = Array.isArray(bins) ? (bins as ReadonlyArray<readonly [string, ValueInput]>) : undefined;
  const names = pairs === undefined ? Object.keys(binsObject(bins)) : undefined;
  const count = pairs !== undefined ? pairs.length : names!.length;
  if (count === 0) throw new TypeError('a put needs at least one bin');
  if (count > 0xffff) throw new RangeError('an as_msg holds at most 65535 fields and 65535 ops');
  const header = writeHeader(options);
  const transactionTtl = serverTimeout(options);
  const writer = FrameWriter.acquire();
  try {
    const fieldCount = writeKeyFieldsTo(writer, key, options.sendKey);
    if (names !== undefined) {
      const values = bins as Readonly<Record<string, ValueInput>>;
      for (let i = 0; i < count; i++) {
        const name = names[i]!;
        writer.binOp(OpType.WRITE, name, binNameBytes(name), values[name] as ValueInput, binPath);
      }
    } else {
      for (const [name, value] of pairs!) {
        if (typeof name !== 'string') throw new TypeError(`bin names must be strings, got ${typeof name}`);
        writer.binOp(OpType.WRITE, name, binNameBytes(name), value, binPath);
      }
    }
    return writer.finish(requestHeader(header, compressFlag(options), Info2.WRITE, transactionTtl), fieldCount, count);
  } finally {
    writer.release();
  }
}

/** TOUCH: resets the TTL (options.ttlSeconds) and bumps the generation; key_not_found (2) when missing. */
export function encodeTouch(key: RecordKey, options: TouchOptions = {}): Buffer {
  // exists is not a touch's to choose: always 'ignore'
  const header = writeHeader({ generation: options.generation, durableDelete: options.durableDelete, ttlSeconds: options.ttlSeconds });
  return encodeAsMsg(
    requestHeader(header, compressFlag(options), Info2.WRITE, serverTimeout(options)),
    writeKeyFields(key, options.sendKey),
    [{ op: OpType.TOUCH, particleType: ParticleType.NULL, name: NO_VALUE, value: NO_VALUE }],
  );
}

/** DELETE: info2 WRITE | DELETE, no ops. */
export function encodeDelete(key: RecordKey, options: DeleteOptions = {}): Buffer {
  // a delete sets neither exists ('ignore') nor a TTL (0)
  const header = writeHeader({ generation: options.generation, durableDelete: options.durableDelete });
  return encodeAsMsg(
    requestHeader(header, compressFlag(options), Info2.WRITE | Info2.DELETE, serverTimeout(options)),
    writeKeyFields(key, options.sendKey),
  );
}
