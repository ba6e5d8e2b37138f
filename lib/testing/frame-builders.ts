// Builders of whole reply frames and records (info, AS_MSG, admin, compressed) for specs and users' tests.
// Owns only byte layout (protocol.md §2, §3, §4, §6) using lib/protocol constants; it never parses,
// validates replies or touches sockets and schedulers.

import { compressFrame } from '../protocol/compression';
import {
  ADMIN_HEADER_SIZE,
  Info3,
  MessageType,
  ParticleType,
} from '../protocol/constants';
import { encodeFrame } from '../protocol/proto-header';
import { encodeAsMsgRecord, type OpSpec as EncoderOpSpec } from '../protocol/as-msg-encoder';

/** Admin result code 50 (QUERY_END, AS_SEC_OK_LAST): the normal end of an admin query. */
const QUERY_END = 50;

/** A field: `u32 size (data + 1)`, `u8 type`, data. Strings are UTF-8. */
export interface FieldSpec {
  readonly type: number;
  readonly data: Uint8Array | string;
}

/**
 * An operation: `u32 size`, op, particle type, 0, name length, name, value. Value defaults:
 * a string is STRING (UTF-8), bytes are BLOB, a number or bigint is INTEGER (8-byte signed BE).
 */
export interface OpSpec {
  readonly op: number;
  readonly particleType?: number;
  readonly name?: string;
  readonly value?: Uint8Array | string | number | bigint;
}

export interface AsMsgRecordSpec {
  readonly resultCode?: number;
  readonly info1?: number;
  readonly info2?: number;
  readonly info3?: number;
  readonly info4?: number;
  readonly generation?: number;
  /** Record TTL (requests) or void time (replies), seconds. */
  readonly ttl?: number;
  /** Server timeout ms (requests) or batch index (batch replies). */
  readonly transactionTtl?: number;
  readonly fields?: readonly FieldSpec[];
  readonly ops?: readonly OpSpec[];
}

export interface AdminRecordSpec {
  readonly resultCode?: number;
  readonly command?: number;
  readonly fields?: readonly FieldSpec[];
}

/** A whole info reply frame (type 1): one `name TAB value LF` line per entry, in insertion order. */
export function infoReplyFrame(record: Readonly<Record<string, string>>): Buffer {
  const body = Object.keys(record)
    .map((name) => `${name}\t${record[name]}\n`)
    .join('');
  return encodeFrame(MessageType.INFO, Buffer.from(body, 'utf8'));
}

/** One AS_MSG record (22-byte header + fields + ops), i.e. the body of a single-record frame. */
export function asMsgRecord(spec: AsMsgRecordSpec = {}): Buffer {
  return encodeAsMsgRecord(
    {
      info1: byte(spec.info1 ?? 0, 'info1'),
      info2: byte(spec.info2 ?? 0, 'info2'),
      info3: byte(spec.info3 ?? 0, 'info3'),
      info4: byte(spec.info4 ?? 0, 'info4'),
      resultCode: byte(spec.resultCode ?? 0, 'resultCode'),
      generation: spec.generation ?? 0,
      recordTtl: spec.ttl ?? 0,
      transactionTtl: spec.transactionTtl ?? 0,
    },
    (spec.fields ?? []).map((f) => ({ type: byte(f.type, 'field type'), data: toBytes(f.data) })),
    (spec.ops ?? []).map(toOp),
  );
}

/** The terminal record: INFO3_LAST, no fields or ops, carrying the final status. */
export function lastRecord(resultCode = 0): Buffer {
  return asMsgRecord({ resultCode, info3: Info3.LAST });
}

/** A whole AS_MSG frame (type 3) whose body is the given records, concatenated. */
export function asMsgFrame(records: readonly Uint8Array[] | Uint8Array): Buffer {
  return encodeFrame(MessageType.AS_MSG, concat(records));
}

/** One admin record: 16-byte header (scheme 0, result, command, field count, 12 zero bytes) + fields. */
export function adminRecord(spec: AdminRecordSpec = {}): Buffer {
  const fields = (spec.fields ?? []).map(encodeField);
  if (fields.length > 0xff) throw new RangeError(`an admin record holds at most 255 fields, got ${fields.length}`);
  const header = Buffer.alloc(ADMIN_HEADER_SIZE);
  header[1] = byte(spec.resultCode ?? 0, 'resultCode');
  header[2] = byte(spec.command ?? 0, 'command');
  header[3] = fields.length;
  return Buffer.concat([header, ...fields]);
}

/** A whole admin frame (type 2) whose body is the given records, concatenated. */
export function adminFrame(records: readonly Uint8Array[] | Uint8Array): Buffer {
  return encodeFrame(MessageType.ADMIN, concat(records));
}

/** The admin QUERY_END frame (result 50) that closes QUERY_USERS / QUERY_ROLES replies. */
export function queryEndFrame(): Buffer {
  return adminFrame(adminRecord({ resultCode: QUERY_END }));
}

/** The type-4 envelope of a whole frame: 8-byte inner size prefix, then the zlib stream. */
export function compressedFrame(frame: Uint8Array): Buffer {
  return compressFrame(frame);
}

/** A u32 big-endian value, e.g. for SESSION_TTL or quota fields. */
export function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value, 0);
  return out;
}

function encodeField(field: FieldSpec): Buffer {
  const data = toBytes(field.data);
  const out = Buffer.alloc(5 + data.length);
  out.writeUInt32BE(data.length + 1, 0);
  out[4] = byte(field.type, 'field type');
  out.set(data, 5);
  return out;
}

function toOp(op: OpSpec): EncoderOpSpec {
  const { particleType, value } = opValue(op);
  return { op: byte(op.op, 'op'), particleType: byte(particleType, 'particleType'), name: Buffer.from(op.name ?? '', 'utf8'), value };
}

function opValue(op: OpSpec): { particleType: number; value: Buffer } {
  const v = op.value;
  if (v === undefined) return { particleType: op.particleType ?? ParticleType.NULL, value: Buffer.alloc(0) };
  if (typeof v === 'number' || typeof v === 'bigint') {
    const out = Buffer.alloc(8);
    out.writeBigInt64BE(BigInt(v), 0);
    return { particleType: op.particleType ?? ParticleType.INTEGER, value: out };
  }
  if (typeof v === 'string') return { particleType: op.particleType ?? ParticleType.STRING, value: Buffer.from(v, 'utf8') };
  return { particleType: op.particleType ?? ParticleType.BLOB, value: Buffer.from(v) };
}

function toBytes(data: Uint8Array | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

function concat(records: readonly Uint8Array[] | Uint8Array): Buffer {
  return records instanceof Uint8Array ? Buffer.from(records) : Buffer.concat(records);
}

function byte(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new RangeError(`${what} must be an integer in [0, 255], got ${value}`);
  }
  return value;
}
