// Writes one AS_MSG request frame (proto header + 22-byte header + fields + ops) in a single allocation.
// Knows the layouts of protocol.md §3.1-3.3, nothing about commands; pure.

import { AS_MSG_HEADER_SIZE, MessageType, PROTO_HEADER_SIZE } from './constants';
import { writeProtoHeader } from './proto-header';
import { isWellFormed, loneSurrogateError } from './utf8';

export interface AsMsgHeaderValues {
  readonly info1?: number;
  readonly info2?: number;
  readonly info3?: number;
  readonly info4?: number;
  readonly generation?: number;
  /** Request: record TTL seconds as the u32 on the wire (0 namespace default, 0xFFFFFFFF never expire). */
  readonly recordTtl?: number;
  /** Request: the server-side timeout in ms. Batch replies: the key index. */
  readonly transactionTtl?: number;
  /** 0 in requests; replies carry the record's result code. */
  readonly resultCode?: number;
}

export interface FieldSpec {
  readonly type: number;
  readonly data: Uint8Array;
}

export interface OpSpec {
  readonly op: number;
  readonly particleType: number;
  /** Bin name bytes (UTF-8), at most 255 bytes. */
  readonly name: Uint8Array;
  readonly value: Uint8Array;
}

const FIELD_HEADER_SIZE = 5;
const OP_HEADER_SIZE = 8;

function u32(value: number | undefined, what: string): number {
  const v = value ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`${what} must be a u32, got ${v}`);
  return v;
}

/** Field type + data, the data given as bytes. */
export function field(type: number, data: Uint8Array): FieldSpec {
  return { type, data };
}

/** Field type + a string's UTF-8 bytes; `what` names the string in the TypeError for a lone surrogate. */
export function stringField(type: number, value: string, what = `field ${type}`): FieldSpec {
  return { type, data: utf8Of(value, what) };
}

/** `s` as UTF-8, refused with a TypeError (`<what> "<s>": …`) when it holds a lone surrogate. */
function utf8Of(s: string, what: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  // as many bytes as units: all ASCII, nothing to check
  if (bytes.length !== s.length && !isWellFormed(s)) throw loneSurrogateError(s, `${what} ${JSON.stringify(s)}`);
  return bytes;
}

export function u32Field(type: number, value: number): FieldSpec {
  const data = Buffer.allocUnsafe(4);
  data.writeUInt32BE(u32(value, `field ${type}`));
  return { type, data };
}

export function u64Field(type: number, value: bigint): FieldSpec {
  const data = Buffer.allocUnsafe(8);
  data.writeBigUInt64BE(BigInt.asUintN(64, value));
  return { type, data };
}

/** Bin name as op bytes, checked against the one-byte length on the wire. */
// UTF-8 bytes of the names every request repeats (namespace, set, bin names), encoded once: only ever
// copied into frames, never written. Bounded: past MAX_NAMES distinct names the cache starts over.
const NAME_BYTES = new Map<string, Buffer>();
const MAX_NAMES = 4096;

/** The cached UTF-8 of `name`; checked once, when first cached (`what` names it in the TypeError). */
export function nameBytes(name: string, what = 'name'): Buffer {
  let bytes = NAME_BYTES.get(name);
  if (bytes === undefined) {
    bytes = utf8Of(name, what);
    if (NAME_BYTES.size >= MAX_NAMES) NAME_BYTES.clear();
    NAME_BYTES.set(name, bytes);
  }
  return bytes;
}

export function binName(name: string): Buffer {
  const bytes = utf8Of(name, 'bin name');
  if (bytes.length > 255) throw new RangeError(`bin name must be at most 255 bytes, got ${bytes.length}`);
  return bytes;
}

/** The whole type-3 frame: proto header + one record, in a single allocation. */
export function encodeAsMsg(header: AsMsgHeaderValues, fields: readonly FieldSpec[], ops: readonly OpSpec[] = []): Buffer {
  const size = recordSize(fields, ops);
  const frame = Buffer.allocUnsafe(PROTO_HEADER_SIZE + size);
  writeProtoHeader(frame, 0, MessageType.AS_MSG, size);
  writeRecord(frame, PROTO_HEADER_SIZE, header, fields, ops);
  return frame;
}

/** One record without a proto header (22-byte header + fields + ops), to concatenate into a frame body. */
export function encodeAsMsgRecord(header: AsMsgHeaderValues, fields: readonly FieldSpec[], ops: readonly OpSpec[] = []): Buffer {
  const record = Buffer.allocUnsafe(recordSize(fields, ops));
  writeRecord(record, 0, header, fields, ops);
  return record;
}

function recordSize(fields: readonly FieldSpec[], ops: readonly OpSpec[]): number {
  if (fields.length > 0xffff || ops.length > 0xffff) throw new RangeError('an as_msg holds at most 65535 fields and 65535 ops');
  let size = AS_MSG_HEADER_SIZE;
  for (const f of fields) size += FIELD_HEADER_SIZE + f.data.length;
  for (const o of ops) {
    if (o.name.length > 0xff) throw new RangeError(`bin name must be at most 255 bytes, got ${o.name.length}`);
    size += OP_HEADER_SIZE + o.name.length + o.value.length;
  }
  return size;
}

function writeRecord(out: Buffer, offset: number, header: AsMsgHeaderValues, fields: readonly FieldSpec[], ops: readonly OpSpec[]): void {
  let at = offset;
  out[at] = AS_MSG_HEADER_SIZE;
  out[at + 1] = (header.info1 ?? 0) & 0xff;
  out[at + 2] = (header.info2 ?? 0) & 0xff;
  out[at + 3] = (header.info3 ?? 0) & 0xff;
  out[at + 4] = (header.info4 ?? 0) & 0xff;
  out[at + 5] = (header.resultCode ?? 0) & 0xff;
  out.writeUInt32BE(u32(header.generation, 'generation'), at + 6);
  out.writeUInt32BE(u32(header.recordTtl, 'record ttl'), at + 10);
  out.writeUInt32BE(u32(header.transactionTtl, 'transaction ttl'), at + 14);
  out.writeUInt16BE(fields.length, at + 18);
  out.writeUInt16BE(ops.length, at + 20);
  at += AS_MSG_HEADER_SIZE;

  for (const f of fields) {
    out.writeUInt32BE(f.data.length + 1, at); // size counts the type byte
    out[at + 4] = f.type;
    out.set(f.data, at + FIELD_HEADER_SIZE);
    at += FIELD_HEADER_SIZE + f.data.length;
  }
  for (const o of ops) {
    out.writeUInt32BE(4 + o.name.length + o.value.length, at); // op, particle, flags, name_len + name + value
    out[at + 4] = o.op;
    out[at + 5] = o.particleType;
    out[at + 6] = 0;
    out[at + 7] = o.name.length;
    out.set(o.name, at + OP_HEADER_SIZE);
    out.set(o.value, at + OP_HEADER_SIZE + o.name.length);
    at += OP_HEADER_SIZE + o.name.length + o.value.length;
  }
}
