// protocol.md §8 vectors not covered by a codec's own spec: V1 lives in info.spec, V5 in login.spec,
// V6 in compression.spec. V2/V3 requests are checked as frames via the decoder and walker (their
// builders belong to the request-builder module); replies and V4 markers are checked value by value.

import { findAdminTerminal, decodeAdminHeader } from '../../lib/protocol/admin';
import { decodeAsMsgHeader, findAsMsgLast, walkAsMsgRecords, type AsMsgRecordSpan } from '../../lib/protocol/as-msg';
import { FrameDecoder, type Frame } from '../../lib/protocol/frame-decoder';
import { hex } from './captures';

const V2_FIELDS = `
  00 00 00 05 00 74 65 73 74
  00 00 00 05 01 64 65 6d 6f
  00 00 00 15 04 ec 91 19 2d 4b 7f 8c e3 5d 5d 78 d3 4b ca 65 cb aa aa c9 60`;
const V2_GET = hex(`02 03 00 00 00 00 00 41  16 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 e8 00 03 00 00 ${V2_FIELDS}`);
const V2_NOT_FOUND = hex(`02 03 00 00 00 00 00 16 16 00 00 00 00 02 ${'00'.repeat(16)}`);
const V2_FOUND = hex(
  '02 03 00 00 00 00 00 28 16 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 0e 01 03 00 04 62 69 6e 31 76 61 6c 75 65 31',
);
const V3_PUT = hex(`02 03 00 00 00 00 00 53  16 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 03 e8 00 03 00 01 ${V2_FIELDS}
  00 00 00 0e 02 03 00 04 62 69 6e 31 76 61 6c 75 65 31`);
const V3_OK = hex(`02 03 00 00 00 00 00 16 16 00 00 00 00 00 00 00 00 01 ${'00'.repeat(12)}`);
const V4_LAST_OK = hex(`02 03 00 00 00 00 00 16 16 00 00 01 00 00 ${'00'.repeat(16)}`);
const V4_LAST_PARAMETER_ERROR = hex(`02 03 00 00 00 00 00 16 16 00 00 01 00 04 ${'00'.repeat(16)}`);
const V4_QUERY_END = hex(`02 02 00 00 00 00 00 10 00 32 00 00 ${'00'.repeat(12)}`);
const V4_ADMIN_ERROR = hex(`02 02 00 00 00 00 00 10 00 4a 10 00 ${'00'.repeat(12)}`);

function onlyFrame(bytes: Buffer): Frame {
  const frames: Frame[] = [];
  new FrameDecoder().push(bytes, (f) => frames.push(f));
  expect(frames.length).toBe(1);
  return frames[0]!;
}

function records(body: Buffer): AsMsgRecordSpan[] {
  const seen: AsMsgRecordSpan[] = [];
  walkAsMsgRecords(body, (r) => {
    seen.push(r);
  });
  return seen;
}

describe('protocol.md §8 vectors', () => {
  it('V2: the GET request is one 73-byte type-3 frame: READ|GET_ALL, timeout 1000, three fields, no ops', () => {
    const frame = onlyFrame(V2_GET);
    expect([frame.type, frame.bytes.length]).toEqual([3, 73]);
    const header = decodeAsMsgHeader(frame.body);
    expect([header.info1, header.info2, header.info3, header.transactionTtl, header.fieldCount, header.opCount]).toEqual([0x03, 0, 0, 1000, 3, 0]);
    expect(records(frame.body).map((r) => [r.offset, r.end])).toEqual([[0, 65]]);
  });

  it('V2: the GET request carries namespace, set and digest fields', () => {
    const body = onlyFrame(V2_GET).body;
    const fields: [number, string][] = [];
    let cursor = 22;
    for (let i = 0; i < 3; i++) {
      const size = body.readUInt32BE(cursor);
      fields.push([body[cursor + 4]!, body.subarray(cursor + 5, cursor + 4 + size).toString('hex')]);
      cursor += 4 + size;
    }
    expect(fields).toEqual([
      [0, Buffer.from('test').toString('hex')],
      [1, Buffer.from('demo').toString('hex')],
      [4, 'ec91192d4b7f8ce35d5d78d34bca65cbaaaac960'],
    ]);
  });

  it('V2: the not-found reply carries result code 2 and no LAST', () => {
    const body = onlyFrame(V2_NOT_FOUND).body;
    expect(decodeAsMsgHeader(body).resultCode).toBe(2);
    expect(findAsMsgLast(body)).toBeUndefined();
  });

  it('V2: the found reply carries generation 1 and one op bin1 = "value1"', () => {
    const body = onlyFrame(V2_FOUND).body;
    const header = decodeAsMsgHeader(body);
    expect([header.resultCode, header.generation, header.fieldCount, header.opCount]).toEqual([0, 1, 0, 1]);
    const [record] = records(body);
    const op = body.subarray(record!.opsOffset);
    expect([op[4], op[5], op[7]]).toEqual([1, 3, 4]);
    expect(op.subarray(8, 12).toString()).toBe('bin1');
    expect(op.subarray(12).toString()).toBe('value1');
  });

  it('V3: the PUT request is one 91-byte frame: WRITE, three fields and one 14-byte WRITE op', () => {
    const frame = onlyFrame(V3_PUT);
    expect(frame.bytes.length).toBe(91);
    const header = decodeAsMsgHeader(frame.body);
    expect([header.info1, header.info2, header.fieldCount, header.opCount]).toEqual([0, 0x01, 3, 1]);
    const [record] = records(frame.body);
    expect(record!.end).toBe(frame.body.length);
    expect(frame.body.readUInt32BE(record!.opsOffset)).toBe(14);
    expect(frame.body[record!.opsOffset + 4]).toBe(2);
  });

  it('V3: the OK reply carries result 0 and generation 1', () => {
    const header = decodeAsMsgHeader(onlyFrame(V3_OK).body);
    expect([header.resultCode, header.generation, header.fieldCount, header.opCount]).toEqual([0, 1, 0, 0]);
  });

  it('V4: the 30-byte LAST frame is terminal with result 0', () => {
    expect(findAsMsgLast(onlyFrame(V4_LAST_OK).body)).toEqual({ offset: 0, resultCode: 0 });
  });

  it('V4: a LAST frame with PARAMETER_ERROR is terminal with result 4', () => {
    expect(findAsMsgLast(onlyFrame(V4_LAST_PARAMETER_ERROR).body)).toEqual({ offset: 0, resultCode: 4 });
  });

  it('V4: the 24-byte admin QUERY_END frame is terminal with result 50', () => {
    const frame = onlyFrame(V4_QUERY_END);
    expect([frame.type, frame.bytes.length]).toEqual([2, 24]);
    expect(findAdminTerminal(frame.body)).toEqual({ offset: 0, resultCode: 50 });
  });

  it('V4: the admin error frame (rc 74, command 16) is terminal', () => {
    const body = onlyFrame(V4_ADMIN_ERROR).body;
    expect(decodeAdminHeader(body)).toEqual({ scheme: 0, resultCode: 74, command: 16, fieldCount: 0 });
    expect(findAdminTerminal(body)).toEqual({ offset: 0, resultCode: 74 });
  });
});
