// Admin / security (type 2) message headers and the multi-record walker.
// A reply body is one or more records (16-byte admin header + fields); the first record with a
// non-zero result code ends a multi-record reply (50 QUERY_END is the normal end). Pure.

import { parseError } from '../errors';
import { ADMIN_HEADER_SIZE } from './constants';
import type { TerminalRecord } from './as-msg';

export interface AdminHeader {
  readonly scheme: number;
  readonly resultCode: number;
  readonly command: number;
  readonly fieldCount: number;
}

export function decodeAdminHeader(body: Uint8Array, offset = 0): AdminHeader {
  if (body.length - offset < ADMIN_HEADER_SIZE) {
    throw parseError(`truncated admin header: need ${ADMIN_HEADER_SIZE} bytes at offset ${offset}, have ${Math.max(0, body.length - offset)}`);
  }
  return {
    scheme: body[offset]!,
    resultCode: body[offset + 1]!,
    command: body[offset + 2]!,
    fieldCount: body[offset + 3]!,
  };
}

export interface AdminRecordSpan {
  readonly offset: number;
  readonly end: number;
  readonly resultCode: number;
  readonly command: number;
  readonly fieldCount: number;
}

/** Calls `visit` for every admin record of a body until it ends or `visit` returns true. */
export function walkAdminRecords(body: Uint8Array, visit: (record: AdminRecordSpan) => boolean | void): void {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const end = b.length;
  let offset = 0;
  while (offset < end) {
    if (end - offset < ADMIN_HEADER_SIZE) {
      throw parseError(`truncated admin record at offset ${offset}: need ${ADMIN_HEADER_SIZE} header bytes, have ${end - offset}`);
    }
    const fieldCount = b[offset + 3]!;
    let cursor = offset + ADMIN_HEADER_SIZE;
    for (let i = 0; i < fieldCount; i++) {
      if (end - cursor < 5) throw parseError(`truncated admin field ${i} at offset ${cursor}`);
      const size = b.readUInt32BE(cursor);
      if (size < 1 || size > end - cursor - 4) {
        throw parseError(`admin field ${i} at offset ${cursor} declares ${size} bytes, ${end - cursor - 4} remain`);
      }
      cursor += 4 + size;
    }
    const record: AdminRecordSpan = { offset, end: cursor, resultCode: b[offset + 1]!, command: b[offset + 2]!, fieldCount };
    offset = cursor;
    if (visit(record) === true) return;
  }
}

/** The first admin record with a non-zero result code, or undefined (keep reading). */
export function findAdminTerminal(body: Uint8Array): TerminalRecord | undefined {
  let found: TerminalRecord | undefined;
  walkAdminRecords(body, (record) => {
    if (record.resultCode !== 0) {
      found = { offset: record.offset, resultCode: record.resultCode };
      return true;
    }
    return false;
  });
  return found;
}
