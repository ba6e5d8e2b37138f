// The operate command: one whole type-3 frame running several Operations on one record, with the
// info bits the official clients derive from them, and the reply decoded into bins. Pure.
//
// Bits (as the Node client 6.7.1 sends them): info1 READ when an op reads, GET_ALL for get() of every
// bin, NOBINDATA for getHeader() with no other read; info2 WRITE when an op writes, RESPOND_ALL_OPS
// when a map op is present (the server then answers one op per request op, null for writes and for
// missing bins); write-policy bits (exists, generation, durable delete) and the TTL as for a put.

import { parseError } from '../errors';
import { Info1, Info2 } from './constants';
import { encodeAsMsg, type OpSpec } from './as-msg-encoder';
import { ttlSecondsFromVoidTime } from './record';
import { compressFlag, requestHeader, serverTimeout, writeHeader, writeKeyFields, type RecordKey, type WriteOptions } from './requests';
import { isOperation, type Operation } from './operations';
import { walkAsMsgRecords, type AsMsgRecordSpan } from './as-msg';
import { decodeBinValueAt, type Value } from './value';

export type OperateOptions = WriteOptions;

/** The whole operate frame. The user key (sendKey) is sent only when an op writes, as the clients do. */
export function encodeOperate(key: RecordKey, ops: readonly Operation[], options: OperateOptions = {}): Buffer {
  if (!Array.isArray(ops) || ops.length === 0) throw new TypeError('ops must be a non-empty array of operations');
  let info1 = 0;
  let info2 = 0;
  let readsBins = false;
  let headerOnly = false;
  const wire: OpSpec[] = [];
  ops.forEach((operation: unknown, i) => {
    if (!isOperation(operation)) throw new TypeError(`ops[${i}] must be an Operation built by op.*`);
    const effect = operation.effect;
    if (effect.reads) {
      info1 |= Info1.READ;
      if (effect.headerOnly) headerOnly = true;
      else readsBins = true;
    }
    if (effect.readsAllBins) info1 |= Info1.GET_ALL;
    if (effect.writes) info2 |= Info2.WRITE;
    if (effect.respondAllOps) info2 |= Info2.RESPOND_ALL_OPS;
    wire.push(operation.wire);
  });
  if (headerOnly && !readsBins) info1 |= Info1.NOBINDATA;
  const header = writeHeader(options);
  return encodeAsMsg(
    requestHeader(header, info1 | compressFlag(options), info2, serverTimeout(options)),
    writeKeyFields(key, options.sendKey === true && (info2 & Info2.WRITE) !== 0),
    wire,
  );
}

export interface OperateResult {
  readonly bin: string;
  readonly value: Value;
}

export interface OperateReply {
  readonly resultCode: number;
  /**
   * One value per bin: when a bin has several results the last one wins, as the official Node client
   * returns them (so a write op answered with null under RESPOND_ALL_OPS hides an earlier read of that bin).
   */
  readonly bins: Readonly<Record<string, Value>>;
  /** Every result in reply order, for callers that need them all. */
  readonly results: readonly OperateResult[];
  readonly generation: number;
  /** -1: never expires. */
  readonly ttlSeconds: number;
}

/** Decodes the single-record reply of an operate; the TTL is read against `nowMs`. */
export function decodeOperateReply(body: Uint8Array, nowMs: number, owned = false): OperateReply {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let span: AsMsgRecordSpan | undefined;
  let count = 0;
  walkAsMsgRecords(b, (record) => {
    span ??= record;
    count++;
  });
  if (span === undefined || count !== 1) throw parseError(`expected one as_msg record in an operate reply, got ${count}`);
  const results: OperateResult[] = [];
  const bins: Record<string, Value> = Object.create(null);
  let at = span.opsOffset;
  for (let i = 0; i < span.opCount; i++) {
    const size = b.readUInt32BE(at);
    const nameLength = b[at + 7]!;
    const bin = b.toString('utf8', at + 8, at + 8 + nameLength);
    const value = decodeBinValueAt(b, b[at + 5]!, at + 8 + nameLength, at + 4 + size, owned);
    results.push({ bin, value });
    // with one result per operation (a map or list op in the call) the server answers getHeader and
    // delete with an empty-named null: a result in its place, but no bin of the record
    if (nameLength > 0) bins[bin] = value;
    at += 4 + size;
  }
  return {
    resultCode: span.resultCode,
    bins,
    results,
    generation: b.readUInt32BE(6),
    ttlSeconds: ttlSecondsFromVoidTime(b.readUInt32BE(10), nowMs),
  };
}
