// The single-record commands of the record API as executor commands: each builds its request at call
// time (bad values throw there, naming the bin) and turns the reply into the call's value, following
// the null rules of client-design.md §C2 (missing → null / false). Pure: no I/O, no timers.

import { AerospikeError } from '../errors';
import type { KeyCommand } from '../cluster/executor';
import type { ResolvedPolicy } from '../cluster/policy';
import { decodeOperateReply, encodeOperate } from '../protocol/operate-request';
import { isOperation, type Operation } from '../protocol/operations';
import { decodeRecord, ttlSecondsFromVoidTime, type DecodedRecord } from '../protocol/record';
import { encodeDelete, encodeExists, encodeGet, encodePut, encodeTouch, type Bins, type WriteOptions } from '../protocol/requests';
import { ResultCode } from '../protocol/result-codes';
import type { Value } from '../protocol/value';
import { serverTimeoutMs, type ResolvedWritePolicy } from './client-policies';
import type { Key, ResolvedKey } from './record-key';

export interface AerospikeRecord {
  readonly key: Key;
  readonly bins: Readonly<Record<string, Value>>;
  readonly generation: number;
  /** Seconds left before the record expires; -1 when it never does. */
  readonly ttlSeconds: number;
}

export interface WriteResult {
  readonly generation: number;
  readonly ttlSeconds: number;
}

/** The part of a key a returned record carries: what the caller gave, with the digest. */
export function recordKey(key: ResolvedKey): Key {
  return key.key !== undefined ? { namespace: key.namespace, set: key.set, key: key.key, digest: key.digest } : { namespace: key.namespace, set: key.set, digest: key.digest };
}

/**
 * A single-record command as a KeyCommand whose reply reader is a module function, not a closure made per call:
 * what a reader needs of the call (its key) is on the command, and the attempt's start time comes with the reply.
 */
class RecordCommand<T> implements KeyCommand<T> {
  readonly namespace: string;
  readonly set: string;
  readonly partition: number;

  constructor(
    readonly command: string,
    readonly key: ResolvedKey,
    readonly write: boolean,
    readonly request: Buffer,
    private readonly reader: (body: Buffer, cmd: RecordCommand<T>, nowMs: number) => T,
  ) {
    this.namespace = key.namespace;
    this.set = key.set;
    this.partition = key.partition;
  }

  parse(body: Buffer, nowMs: number): T {
    return this.reader(body, this, nowMs);
  }
}

// Replies may be lent by the transport (KeyCommand.parse): records are decoded owned, keeping no view of them.

function readGet(body: Buffer, cmd: RecordCommand<AerospikeRecord | null>, nowMs: number): AerospikeRecord | null {
  const record = decodeRecord(body, true);
  if (record.resultCode === ResultCode.KEY_NOT_FOUND) return null;
  if (record.resultCode !== ResultCode.OK) throw failed(record, 'get');
  return { key: recordKey(cmd.key), bins: record.bins, generation: record.generation, ttlSeconds: ttlSecondsFromVoidTime(record.voidTime, nowMs) };
}

/** exists and delete: true when the record was there, false for key_not_found. */
function readFound(body: Buffer, cmd: RecordCommand<boolean>): boolean {
  const record = decodeRecord(body, true);
  if (record.resultCode === ResultCode.KEY_NOT_FOUND) return false;
  if (record.resultCode !== ResultCode.OK) throw failed(record, cmd.command);
  return true;
}

function readOperate(body: Buffer, cmd: RecordCommand<AerospikeRecord | null>, nowMs: number): AerospikeRecord | null {
  const reply = decodeOperateReply(body, nowMs, true);
  if (reply.resultCode === ResultCode.KEY_NOT_FOUND) return null;
  if (reply.resultCode !== ResultCode.OK) throw AerospikeError.fromResultCode(reply.resultCode, 'operate');
  return { key: recordKey(cmd.key), bins: reply.bins, generation: reply.generation, ttlSeconds: reply.ttlSeconds };
}

function readWrite(body: Buffer, cmd: RecordCommand<WriteResult>, nowMs: number): WriteResult {
  const record = decodeRecord(body, true);
  if (record.resultCode !== ResultCode.OK) throw failed(record, cmd.command);
  return { generation: record.generation, ttlSeconds: ttlSecondsFromVoidTime(record.voidTime, nowMs) };
}

function failed(record: DecodedRecord, what: string): AerospikeError {
  return AerospikeError.fromResultCode(record.resultCode, what);
}

// Resolved policies are immutable and, without per-call overrides, the client's own objects: the
// encoder options derived from one are made once and reused by every call that runs with it.
const requestOptionsOf = new WeakMap<ResolvedPolicy, RequestOptions>();
const writeOptionsOf = new WeakMap<ResolvedWritePolicy, WriteOptions>();
// the policy asked for last and its options: a client's calls mostly run with one policy, and this
// identity check costs less than the WeakMap lookup behind it
let lastRequestPolicy: ResolvedPolicy | undefined;
let lastRequestOptions: RequestOptions | undefined;
let lastWritePolicy: ResolvedWritePolicy | undefined;
let lastWriteOptions: WriteOptions | undefined;

interface RequestOptions {
  readonly timeoutMs: number;
  readonly useCompression: boolean;
}

function requestOptions(policy: ResolvedPolicy): RequestOptions {
  if (policy === lastRequestPolicy) return lastRequestOptions!;
  let options = requestOptionsOf.get(policy);
  if (options === undefined) requestOptionsOf.set(policy, (options = { timeoutMs: serverTimeoutMs(policy), useCompression: policy.useCompression }));
  lastRequestPolicy = policy;
  lastRequestOptions = options;
  return options;
}

function writeOptions(policy: ResolvedWritePolicy): WriteOptions {
  if (policy === lastWritePolicy) return lastWriteOptions!;
  let options = writeOptionsOf.get(policy);
  if (options === undefined) {
    // listed, not spread: Node 20's V8 takes a slow path (1–3 µs) for `{ ...o, more }`, and a call with
    // its own policy overrides comes here every time
    const request = requestOptions(policy);
    const fields: { -readonly [K in keyof WriteOptions]: WriteOptions[K] } = {
      timeoutMs: request.timeoutMs,
      useCompression: request.useCompression,
      sendKey: policy.sendKey,
      ttlSeconds: policy.ttlSeconds,
      exists: policy.exists,
      durableDelete: policy.durableDelete,
    };
    if (policy.generation !== undefined) fields.generation = policy.generation;
    options = fields;
    writeOptionsOf.set(policy, options);
  }
  lastWritePolicy = policy;
  lastWriteOptions = options;
  return options;
}

export function getCommand(key: ResolvedKey, policy: ResolvedPolicy, bins: readonly string[] | undefined): KeyCommand<AerospikeRecord | null> {
  const options = requestOptions(policy);
  const request = encodeGet(key, bins === undefined ? options : { timeoutMs: options.timeoutMs, useCompression: options.useCompression, bins });
  return new RecordCommand('get', key, false, request, readGet);
}

export function existsCommand(key: ResolvedKey, policy: ResolvedPolicy): KeyCommand<boolean> {
  return new RecordCommand('exists', key, false, encodeExists(key, requestOptions(policy)), readFound);
}


export function putCommand(key: ResolvedKey, bins: Bins, policy: ResolvedWritePolicy): KeyCommand<WriteResult> {
  return new RecordCommand('put', key, true, encodePut(key, bins, writeOptions(policy)), readWrite);
}

export function touchCommand(key: ResolvedKey, policy: ResolvedWritePolicy): KeyCommand<WriteResult> {
  return new RecordCommand('touch', key, true, encodeTouch(key, writeOptions(policy)), readWrite);
}

export function deleteCommand(key: ResolvedKey, policy: ResolvedWritePolicy): KeyCommand<boolean> {
  return new RecordCommand('delete', key, true, encodeDelete(key, writeOptions(policy)), readFound);
}

/** True when any operation writes: the operate routes and retries as a write. */
export function operationsWrite(ops: readonly Operation[]): boolean {
  return ops.some((o) => o.effect.writes);
}

export function checkOperations(ops: unknown): readonly Operation[] {
  if (!Array.isArray(ops) || ops.length === 0) throw new TypeError('ops must be a non-empty array of operations built with op.*');
  ops.forEach((o, i) => {
    if (!isOperation(o)) throw new TypeError(`ops[${i}] must be an operation built with op.* (op.add('n', 1), op.listAppend('l', 'x'), …)`);
  });
  return ops as readonly Operation[];
}

export function operateCommand(key: ResolvedKey, ops: readonly Operation[], policy: ResolvedWritePolicy): KeyCommand<AerospikeRecord | null> {
  return new RecordCommand('operate', key, operationsWrite(ops), encodeOperate(key, ops, writeOptions(policy)), readOperate);
}
