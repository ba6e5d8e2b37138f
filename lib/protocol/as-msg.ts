// AS_MSG (type 3) message headers and the record walker used for terminal detection.
// A frame body is a concatenation of records (22-byte header + fields + ops); the walker steps
// over every record by its size prefixes, bounds-checked. Pure: bytes in, values or parse_error out.

import { parseError } from '../errors';
import { AS_MSG_HEADER_SIZE, Info3 } from './constants';

export interface AsMsgHeader {
  readonly headerSize: number;
  readonly info1: number;
  readonly info2: number;
  readonly info3: number;
  readonly info4: number;
  readonly resultCode: number;
  /** Record generation; in PARTITION_DONE records, the partition id. */
  readonly generation: number;
  /** Request: TTL seconds. Reply: void time, seconds since 2010-01-01. */
  readonly recordTtl: number;
  /** Request: server timeout ms. Batch replies: the batch index. */
  readonly transactionTtl: number;
  readonly fieldCount: number;
  readonly opCount: number;
}

/** Decodes the 22-byte header at `offset` (a record start inside a frame body). */
export function decodeAsMsgHeader(body: Uint8Array, offset = 0): AsMsgHeader {
  if (body.length - offset < AS_MSG_HEADER_SIZE) {
    throw parseError(`truncated as_msg header: need ${AS_MSG_HEADER_SIZE} bytes at offset ${offset}, have ${Math.max(0, body.length - offset)}`);
  }
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const headerSize = b[offset]!;
  if (headerSize !== AS_MSG_HEADER_SIZE) {
    throw parseError(`invalid as_msg header size at offset ${offset}: expected ${AS_MSG_HEADER_SIZE}, got ${headerSize}`);
  }
  return {
    headerSize,
    info1: b[offset + 1]!,
    info2: b[offset + 2]!,
    info3: b[offset + 3]!,
    info4: b[offset + 4]!,
    resultCode: b[offset + 5]!,
    generation: b.readUInt32BE(offset + 6),
    recordTtl: b.readUInt32BE(offset + 10),
    transactionTtl: b.readUInt32BE(offset + 14),
    fieldCount: b.readUInt16BE(offset + 18),
    opCount: b.readUInt16BE(offset + 20),
  };
}

/** One record located inside a frame body: [offset, end). */
export interface AsMsgRecordSpan {
  readonly offset: number;
  readonly end: number;
  readonly info3: number;
  readonly resultCode: number;
  readonly fieldCount: number;
  readonly opCount: number;
  /** Offset of the first field (offset + 22). */
  readonly fieldsOffset: number;
  /** Offset of the first op (after the last field). */
  readonly opsOffset: number;
}

/**
 * Checks the record starting at `offset` of `b` (which ends at `end`) by its size prefixes and returns
 * where it ends; the offset of its first op is left in `recordBounds.opsOffset`. Fields (`u32 size` +
 * size bytes) and ops (`u32 size` + size bytes) are stepped over; a prefix that points past the body,
 * or an op size below its 4-byte minimum, is a parse_error.
 */
export function checkAsMsgRecord(b: Buffer, offset: number, end: number): number {
  if (end - offset < AS_MSG_HEADER_SIZE) {
    throw parseError(`truncated as_msg record at offset ${offset}: need ${AS_MSG_HEADER_SIZE} header bytes, have ${end - offset}`);
  }
  const headerSize = b[offset]!;
  if (headerSize !== AS_MSG_HEADER_SIZE) {
    throw parseError(`invalid as_msg header size at offset ${offset}: expected ${AS_MSG_HEADER_SIZE}, got ${headerSize}`);
  }
  const fieldCount = (b[offset + 18]! << 8) | b[offset + 19]!;
  const opCount = (b[offset + 20]! << 8) | b[offset + 21]!;
  let cursor = offset + AS_MSG_HEADER_SIZE;
  for (let i = 0; i < fieldCount; i++) {
    if (end - cursor < 5) throw parseError(`truncated as_msg field ${i} at offset ${cursor}`);
    const size = b.readUInt32BE(cursor);
    // size counts the type byte plus the data
    if (size < 1 || size > end - cursor - 4) {
      throw parseError(`as_msg field ${i} at offset ${cursor} declares ${size} bytes, ${end - cursor - 4} remain`);
    }
    cursor += 4 + size;
  }
  recordBounds.opsOffset = cursor;
  for (let i = 0; i < opCount; i++) {
    if (end - cursor < 8) throw parseError(`truncated as_msg op ${i} at offset ${cursor}`);
    const size = b.readUInt32BE(cursor);
    // size counts op, particle type, flags, name length (4 bytes) plus name and value
    if (size < 4 || size > end - cursor - 4) {
      throw parseError(`as_msg op ${i} at offset ${cursor} declares ${size} bytes, ${end - cursor - 4} remain`);
    }
    if (b[cursor + 7]! > size - 4) {
      throw parseError(`as_msg op ${i} at offset ${cursor}: name length ${b[cursor + 7]} exceeds op size ${size}`);
    }
    cursor += 4 + size;
  }
  return cursor;
}

/** checkAsMsgRecord's second result (one record is checked at a time): no object per record. */
export const recordBounds = { opsOffset: 0 };

export function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Calls `visit` for every record of a frame body, in order, until the body ends or `visit`
 * returns true. Each record is checked by checkAsMsgRecord before it is visited.
 */
export function walkAsMsgRecords(body: Uint8Array, visit: (record: AsMsgRecordSpan) => boolean | void): void {
  const b = asBuffer(body);
  const end = b.length;
  let offset = 0;
  while (offset < end) {
    const recordEnd = checkAsMsgRecord(b, offset, end);
    const record: AsMsgRecordSpan = {
      offset,
      end: recordEnd,
      info3: b[offset + 3]!,
      resultCode: b[offset + 5]!,
      fieldCount: b.readUInt16BE(offset + 18),
      opCount: b.readUInt16BE(offset + 20),
      fieldsOffset: offset + AS_MSG_HEADER_SIZE,
      opsOffset: recordBounds.opsOffset,
    };
    offset = recordEnd;
    if (visit(record) === true) return;
  }
}

export interface TerminalRecord {
  /** Offset of the terminal record inside the frame body. */
  readonly offset: number;
  readonly resultCode: number;
}

/**
 * The first record with INFO3_LAST in a frame body, or undefined. Every record is walked: a short
 * query appends its LAST record to the end of the final frame, so the first record is not enough.
 */
export function findAsMsgLast(body: Uint8Array): TerminalRecord | undefined {
  const b = asBuffer(body);
  const end = b.length;
  let offset = 0;
  while (offset < end) {
    const recordEnd = checkAsMsgRecord(b, offset, end);
    if ((b[offset + 3]! & Info3.LAST) !== 0) return { offset, resultCode: b[offset + 5]! };
    offset = recordEnd;
  }
  return undefined;
}
