import { decodeAdminHeader, findAdminTerminal, walkAdminRecords, type AdminRecordSpan } from '../../lib/protocol/admin';
import { hex } from './captures';
import { expectParseError } from '../helpers/expect-parse-error';

/** A 16-byte admin header followed by `fields` (each given as id + data). */
function adminRecord(resultCode: number, command = 9, fields: [number, string][] = []): Buffer {
  const parts = [Buffer.from([0, resultCode, command, fields.length, ...new Array<number>(12).fill(0)])];
  for (const [id, data] of fields) {
    const size = Buffer.alloc(5);
    size.writeUInt32BE(Buffer.byteLength(data) + 1);
    size[4] = id;
    parts.push(size, Buffer.from(data));
  }
  return Buffer.concat(parts);
}

const USER = 0;
const ROLES = 10;
const QUERY_END = 50;

function spans(body: Buffer): AdminRecordSpan[] {
  const seen: AdminRecordSpan[] = [];
  walkAdminRecords(body, (r) => {
    seen.push(r);
  });
  return seen;
}


describe('admin header', () => {
  it('decodes scheme, result code, command and field count', () => {
    expect(decodeAdminHeader(hex('00 4a 10 02 00 00 00 00 00 00 00 00 00 00 00 00'))).toEqual({
      scheme: 0,
      resultCode: 74,
      command: 16,
      fieldCount: 2,
    });
  });

  it('decodes a header at an offset inside a body', () => {
    const body = Buffer.concat([adminRecord(0, 9, [[USER, 'bob']]), adminRecord(QUERY_END)]);
    expect(decodeAdminHeader(body, 24).resultCode).toBe(QUERY_END);
  });

  it('rejects a header shorter than 16 bytes with a parse_error', () => {
    expectParseError(() => decodeAdminHeader(Buffer.alloc(15)), 'need 16 bytes');
  });
});

describe('admin record walker', () => {
  it('steps over every record, skipping fields by their size prefixes', () => {
    const body = Buffer.concat([adminRecord(0, 9, [[USER, 'alice'], [ROLES, '\x01\x04read']]), adminRecord(0, 9, [[USER, 'bob']])]);
    expect(spans(body).map((r) => [r.offset, r.end, r.fieldCount])).toEqual([
      [0, 37, 2],
      [37, 61, 1],
    ]);
  });

  it('treats QUERY_END (50) as the terminal record', () => {
    expect(findAdminTerminal(adminRecord(QUERY_END))).toEqual({ offset: 0, resultCode: QUERY_END });
  });

  it('treats an error record (rc 74) as terminal without waiting for QUERY_END', () => {
    expect(findAdminTerminal(adminRecord(74, 16))).toEqual({ offset: 0, resultCode: 74 });
  });

  it('keeps reading after records with result 0', () => {
    expect(findAdminTerminal(Buffer.concat([adminRecord(0, 9, [[USER, 'alice']]), adminRecord(0, 9, [[USER, 'bob']])]))).toBeUndefined();
  });

  it('finds a terminal record after result-0 records in the same frame', () => {
    const body = Buffer.concat([adminRecord(0, 9, [[USER, 'alice']]), adminRecord(QUERY_END)]);
    expect(findAdminTerminal(body)).toEqual({ offset: 26, resultCode: QUERY_END });
  });

  it('treats a zero-length body as not terminal', () => {
    expect(findAdminTerminal(Buffer.alloc(0))).toBeUndefined();
  });

  it('rejects a truncated record header with a parse_error', () => {
    expectParseError(() => spans(Buffer.concat([adminRecord(0), Buffer.alloc(4)])), 'truncated admin record at offset 16');
  });

  it('rejects a field whose size points past the end of the body', () => {
    const body = adminRecord(0, 9, [[USER, 'alice']]);
    expectParseError(() => spans(body.subarray(0, body.length - 1)), 'declares 6 bytes, 5 remain');
  });

  it('rejects a field size of zero', () => {
    const body = adminRecord(0, 9, [[USER, 'alice']]);
    body.writeUInt32BE(0, 16);
    expectParseError(() => spans(body), 'declares 0 bytes');
  });

  it('rejects a truncated field header', () => {
    const body = adminRecord(0, 9);
    body[3] = 1;
    expectParseError(() => spans(Buffer.concat([body, Buffer.alloc(3)])), 'truncated admin field 0');
  });
});
