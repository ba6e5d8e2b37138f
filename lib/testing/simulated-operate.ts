// The simulated node's single-record commands: get/exists, put, touch, delete and operate with
// every op of lib/protocol/operations.ts, answered with the result codes, generations, void times and
// reply ops of a real Aerospike 8.1.2 node (each rule checked by bench/check-values-real.ts).
// Returns one encoded reply record; the caller frames it. No sockets, no timers.

import { FieldType, Info1, Info2, Info3, OpType, ParticleType } from '../protocol/constants';
import type { AsMsgHeader } from '../protocol/as-msg';
import { encodeAsMsgRecord, type OpSpec } from '../protocol/as-msg-encoder';
import { ResultCode } from '../protocol/result-codes';
import type { RawParticle } from '../protocol/raw-value';
import { canonicalParticle, executeCdt } from './simulated-cdt';
import { TTL_DONT_UPDATE, TTL_NEVER_EXPIRE, type SimulatedStore, type StoredRecord } from './simulated-store';

/** Bin names longer than this are refused with bin_name_too_long (21). */
const MAX_BIN_NAME_BYTES = 15;
/** The server's max-record-size default (1 MiB): a larger record is refused with record_too_big (13). */
export const DEFAULT_MAX_RECORD_SIZE = 1024 * 1024;
/** The server's largest TTL (10 years, its max-ttl); larger request TTLs but -1 and -2 are parameter_error (4). */
const MAX_TTL_SECONDS = 315_360_000;
/** Fixed bytes counted for every record in recordSize (the server's flat record header). */
const RECORD_HEADER_BYTES = 40;
/** Bytes counted per bin besides its name and value: name length, particle type, value length. */
const BIN_OVERHEAD_BYTES = 6;
const NO_BYTES = Buffer.alloc(0);
const NULL_PARTICLE: RawParticle = { particleType: ParticleType.NULL, bytes: NO_BYTES };

export interface RecordRequestOp {
  readonly op: number;
  readonly particleType: number;
  readonly name: string;
  readonly value: Buffer;
}

export interface RecordRequest {
  readonly header: AsMsgHeader;
  readonly fields: ReadonlyMap<number, Buffer>;
  readonly ops: readonly RecordRequestOp[];
}

/** One reply op: the request's op type echoed, the bin name and the value. */
type Result = readonly [op: number, name: string, particle: RawParticle];

interface Outcome {
  readonly resultCode: number;
  readonly generation?: number;
  readonly voidTime?: number;
  readonly results?: readonly Result[];
}

function reply(outcome: Outcome): Buffer {
  const ops: OpSpec[] = (outcome.results ?? []).map(([op, name, p]) => ({ op, particleType: p.particleType, name: Buffer.from(name, 'utf8'), value: p.bytes }));
  return encodeAsMsgRecord({ resultCode: outcome.resultCode, generation: outcome.generation ?? 0, recordTtl: outcome.voidTime ?? 0 }, [], ops);
}

/** An error answered with the record's generation and void time, as the server does. */
function refuse(resultCode: number, record: StoredRecord | undefined): Outcome {
  return { resultCode, generation: record?.generation ?? 0, voidTime: record?.voidTime ?? 0 };
}

/** Executes a get, exists, put, touch, delete or operate on `store` and returns the encoded reply record. */
export function executeRecordCommand(
  request: RecordRequest,
  namespace: string,
  digest: Buffer,
  store: SimulatedStore,
  maxRecordSize: number = DEFAULT_MAX_RECORD_SIZE,
): Buffer {
  const { header } = request;
  const existing = store.get(namespace, digest);
  if ((header.info2 & Info2.WRITE) === 0) return reply(read(request, existing));
  if ((header.info2 & Info2.DELETE) !== 0) return reply(remove(request, namespace, digest, existing, store));
  return reply(write(request, namespace, digest, existing, store, maxRecordSize));
}

/**
 * The size a write's record is checked against maxRecordSize with, close to the server's stored
 * (flat) record: a 40-byte header, the set name, the KEY field when sent, and per bin its name, 6 bytes
 * (name length, particle type, value length) and the particle bytes.
 */
export function recordSize(set: string, key: Buffer | undefined, bins: ReadonlyMap<string, RawParticle>): number {
  let size = RECORD_HEADER_BYTES + Buffer.byteLength(set, 'utf8') + (key?.length ?? 0);
  for (const [name, particle] of bins) size += BIN_OVERHEAD_BYTES + Buffer.byteLength(name, 'utf8') + particle.bytes.length;
  return size;
}

/** A request TTL the server takes: up to 10 years, or -1 (never expire) / -2 (don't update) as u32. */
function validTtl(ttl: number): boolean {
  return ttl <= MAX_TTL_SECONDS || ttl === TTL_NEVER_EXPIRE || ttl === TTL_DONT_UPDATE;
}

function nameTooLong(ops: readonly RecordRequestOp[]): boolean {
  return ops.some((op) => Buffer.byteLength(op.name, 'utf8') > MAX_BIN_NAME_BYTES);
}

const READ_OPS: ReadonlySet<number> = new Set([OpType.READ, OpType.CDT_READ]);

function read(request: RecordRequest, record: StoredRecord | undefined): Outcome {
  const { header, ops } = request;
  if (ops.some((op) => !READ_OPS.has(op.op))) return refuse(ResultCode.PARAMETER_ERROR, record);
  if (record === undefined) return refuse(ResultCode.KEY_NOT_FOUND, undefined);
  if (nameTooLong(ops)) return refuse(ResultCode.BIN_NAME_TOO_LONG, record);
  if ((header.info1 & Info1.NOBINDATA) !== 0) return { resultCode: ResultCode.OK, generation: record.generation, voidTime: record.voidTime };
  // reads see the stored bins; CDT reads return new values and never store them
  const state: OpState = { bins: record.bins };
  const run = runOps(state, header, ops);
  if (typeof run === 'number') return refuse(run, record);
  return { resultCode: ResultCode.OK, generation: record.generation, voidTime: record.voidTime, results: run };
}

function remove(request: RecordRequest, namespace: string, digest: Buffer, record: StoredRecord | undefined, store: SimulatedStore): Outcome {
  const { header } = request;
  // Community Edition (the node's `edition`) refuses a durable delete before it looks at the record
  if ((header.info2 & Info2.DURABLE_DELETE) !== 0) return refuse(ResultCode.ENTERPRISE_ONLY, undefined);
  if (record === undefined) return refuse(ResultCode.KEY_NOT_FOUND, undefined);
  // a stale generation on delete answers generation 0 and void time 0, unlike a stale put
  if ((header.info2 & Info2.GENERATION) !== 0 && record.generation !== header.generation) return refuse(ResultCode.GENERATION_ERROR, undefined);
  store.delete(namespace, digest);
  return { resultCode: ResultCode.OK };
}

function write(
  request: RecordRequest,
  namespace: string,
  digest: Buffer,
  record: StoredRecord | undefined,
  store: SimulatedStore,
  maxRecordSize: number,
): Outcome {
  const { header, fields, ops } = request;
  // a write checks the TTL and its ops before it looks at the record: generation and void time 0
  if (!validTtl(header.recordTtl)) return refuse(ResultCode.PARAMETER_ERROR, undefined);
  if (nameTooLong(ops)) return refuse(ResultCode.BIN_NAME_TOO_LONG, undefined);
  const replace = (header.info3 & (Info3.CREATE_OR_REPLACE | Info3.REPLACE_ONLY)) !== 0;
  // the server refuses a replace that deletes a bin (a null write) rather than ignore the delete
  if (replace && ops.some((op) => op.op === OpType.WRITE && op.particleType === ParticleType.NULL)) return refuse(ResultCode.PARAMETER_ERROR, undefined);
  if ((header.info3 & (Info3.UPDATE_ONLY | Info3.REPLACE_ONLY)) !== 0 && record === undefined) return refuse(ResultCode.KEY_NOT_FOUND, undefined);
  if ((header.info2 & Info2.CREATE_ONLY) !== 0 && record !== undefined) return refuse(ResultCode.KEY_EXISTS, record);
  if ((header.info2 & Info2.GENERATION) !== 0 && (record?.generation ?? 0) !== header.generation) return refuse(ResultCode.GENERATION_ERROR, record);
  if (ops.length === 0) return refuse(ResultCode.PARAMETER_ERROR, record);

  // ops run on a copy: a failing op leaves the record as it was
  const state: OpState = { bins: new Map(replace || record === undefined ? [] : record.bins) };
  const run = runOps(state, header, ops);
  if (typeof run === 'number') return refuse(run, record);

  if (state.bins.size === 0) {
    if (record === undefined) return refuse(ResultCode.KEY_NOT_FOUND, undefined);
    store.delete(namespace, digest);
    return { resultCode: ResultCode.OK, results: run };
  }
  const set = fields.get(FieldType.SET)?.toString('utf8') ?? '';
  const key = fields.get(FieldType.KEY) ?? record?.key;
  if (recordSize(set, key, state.bins) > maxRecordSize) return refuse(ResultCode.RECORD_TOO_BIG, record);
  const { record: target, created } = store.getOrCreate(namespace, set, digest);
  target.bins.clear();
  for (const [name, particle] of state.bins) target.bins.set(name, particle);
  const sentKey = fields.get(FieldType.KEY);
  if (sentKey !== undefined) target.key = Buffer.from(sentKey);
  // generation is 16 bits on the server and wraps past zero
  target.generation = target.generation >= 0xffff ? 1 : target.generation + 1;
  store.applyTtl(target, header.recordTtl, created);
  return { resultCode: ResultCode.OK, generation: target.generation, voidTime: target.voidTime, results: run };
}

interface OpState {
  readonly bins: Map<string, RawParticle>;
}

/**
 * Runs the ops in order and returns their reply ops, or the result code of the first that fails.
 * With GET_ALL the reply is every bin as of the first whole-record read (or the end), and nothing else.
 * With RESPOND_ALL_OPS every op but touch answers, null where it has no value.
 */
function runOps(state: OpState, header: AsMsgHeader, ops: readonly RecordRequestOp[]): Result[] | number {
  const respondAll = (header.info2 & Info2.RESPOND_ALL_OPS) !== 0;
  const getAll = (header.info1 & Info1.GET_ALL) !== 0;
  const results: Result[] = [];
  let snapshot: Result[] | undefined;
  const answer = (op: RecordRequestOp, particle: RawParticle | undefined): void => {
    if (particle !== undefined) results.push([op.op, op.name, particle]);
    else if (respondAll) results.push([op.op, op.name, NULL_PARTICLE]);
  };
  for (const op of ops) {
    switch (op.op) {
      case OpType.READ:
        if (op.name.length === 0) {
          if (getAll) snapshot ??= allBins(state.bins);
        } else answer(op, state.bins.get(op.name));
        break;
      case OpType.WRITE: {
        if (op.particleType === ParticleType.NULL) state.bins.delete(op.name);
        else {
          const particle = storedParticle(op);
          if (particle === undefined) return ResultCode.SERVER_ERROR;
          state.bins.set(op.name, particle);
        }
        answer(op, undefined);
        break;
      }
      case OpType.ADD:
      case OpType.APPEND:
      case OpType.PREPEND: {
        const value = op.op === OpType.ADD ? add(state.bins.get(op.name), op) : concat(state.bins.get(op.name), op);
        if (typeof value === 'number') return value;
        state.bins.set(op.name, value);
        answer(op, undefined);
        break;
      }
      case OpType.TOUCH:
        // a write: the TTL and generation change below; no reply op, even with RESPOND_ALL_OPS
        break;
      case OpType.DELETE:
        state.bins.clear();
        answer(op, undefined);
        break;
      case OpType.CDT_READ:
      case OpType.CDT_MODIFY: {
        const outcome = executeCdt(op.op, op.value, state.bins.get(op.name));
        if (outcome.resultCode !== ResultCode.OK) return outcome.resultCode;
        if ('bin' in outcome && outcome.bin !== undefined) state.bins.set(op.name, outcome.bin);
        answer(op, 'result' in outcome ? outcome.result : undefined);
        break;
      }
      default:
        return ResultCode.PARAMETER_ERROR;
    }
  }
  if (getAll) return snapshot ?? allBins(state.bins);
  return results;
}

function allBins(bins: ReadonlyMap<string, RawParticle>): Result[] {
  return [...bins].map(([name, particle]): Result => [OpType.READ, name, particle]);
}

/** A written particle as the store keeps it: a copy (request bytes are a view of a socket chunk), lists and maps canonical. */
function storedParticle(op: RecordRequestOp): RawParticle | undefined {
  if (op.particleType === ParticleType.LIST || op.particleType === ParticleType.MAP) {
    const bytes = canonicalParticle(op.particleType, op.value);
    return bytes === undefined ? undefined : { particleType: op.particleType, bytes };
  }
  return { particleType: op.particleType, bytes: Buffer.from(op.value) };
}

function add(bin: RawParticle | undefined, op: RecordRequestOp): RawParticle | number {
  if ((op.particleType !== ParticleType.INTEGER && op.particleType !== ParticleType.DOUBLE) || op.value.length !== 8) return ResultCode.PARAMETER_ERROR;
  if (bin === undefined) return { particleType: op.particleType, bytes: Buffer.from(op.value) };
  if (bin.particleType !== op.particleType) return ResultCode.BIN_TYPE_ERROR;
  const bytes = Buffer.alloc(8);
  if (op.particleType === ParticleType.INTEGER) bytes.writeBigInt64BE(BigInt.asIntN(64, bin.bytes.readBigInt64BE(0) + op.value.readBigInt64BE(0)));
  else bytes.writeDoubleBE(bin.bytes.readDoubleBE(0) + op.value.readDoubleBE(0));
  return { particleType: bin.particleType, bytes };
}

function concat(bin: RawParticle | undefined, op: RecordRequestOp): RawParticle | number {
  if (op.particleType !== ParticleType.STRING && op.particleType !== ParticleType.BLOB) return ResultCode.PARAMETER_ERROR;
  if (bin === undefined) return { particleType: op.particleType, bytes: Buffer.from(op.value) };
  if (bin.particleType !== op.particleType) return ResultCode.BIN_TYPE_ERROR;
  const parts = op.op === OpType.APPEND ? [bin.bytes, op.value] : [op.value, bin.bytes];
  return { particleType: bin.particleType, bytes: Buffer.concat(parts) };
}
