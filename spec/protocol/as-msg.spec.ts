import { decodeAsMsgHeader, findAsMsgLast, walkAsMsgRecords, type AsMsgRecordSpan } from '../../lib/protocol/as-msg';
import { FrameDecoder, type Frame } from '../../lib/protocol/frame-decoder';
import { capturedStream, hex } from './captures';
import { expectParseError } from '../helpers/expect-parse-error';

/** A 22-byte record header; fields and ops are appended by the caller. */
function record(opts: { info3?: number; resultCode?: number; fields?: number; ops?: number } = {}): Buffer {
  const header = Buffer.alloc(22);
  header[0] = 22;
  header[3] = opts.info3 ?? 0;
  header[5] = opts.resultCode ?? 0;
  header.writeUInt16BE(opts.fields ?? 0, 18);
  header.writeUInt16BE(opts.ops ?? 0, 20);
  return header;
}

/** A record with one NAMESPACE field and one READ op of a string bin. */
function dataRecord(): Buffer {
  const field = Buffer.concat([hex('00 00 00 05 00'), Buffer.from('test')]);
  const op = Buffer.concat([hex('00 00 00 0b 01 03 00 03'), Buffer.from('bin'), Buffer.from('abcd')]);
  return Buffer.concat([record({ fields: 1, ops: 1 }), field, op]);
}

const LAST = 0x01;

function spans(body: Buffer): AsMsgRecordSpan[] {
  const seen: AsMsgRecordSpan[] = [];
  walkAsMsgRecords(body, (r) => {
    seen.push(r);
  });
  return seen;
}

function framesOf(name: string): Frame[] {
  const frames: Frame[] = [];
  new FrameDecoder().push(capturedStream(name).bytes, (f) => frames.push(f));
  return frames;
}


describe('AS_MSG header', () => {
  it('decodes every field of the 22-byte header', () => {
    const body = hex('16 03 00 00 00 00 00 00 00 01 00 00 00 02 00 00 03 e8 00 03 00 04');
    expect(decodeAsMsgHeader(body)).toEqual({
      headerSize: 22,
      info1: 0x03,
      info2: 0,
      info3: 0,
      info4: 0,
      resultCode: 0,
      generation: 1,
      recordTtl: 2,
      transactionTtl: 1000,
      fieldCount: 3,
      opCount: 4,
    });
  });

  it('decodes a header at an offset inside a body', () => {
    const body = Buffer.concat([dataRecord(), record({ info3: LAST, resultCode: 4 })]);
    const header = decodeAsMsgHeader(body, dataRecord().length);
    expect([header.info3, header.resultCode]).toEqual([LAST, 4]);
  });

  it('rejects a truncated header with a parse_error', () => {
    expectParseError(() => decodeAsMsgHeader(record().subarray(0, 21)), 'need 22 bytes');
  });

  it('rejects a header size other than 22, naming expected and got', () => {
    const body = record();
    body[0] = 23;
    expectParseError(() => decodeAsMsgHeader(body), 'expected 22, got 23');
  });
});

describe('AS_MSG record walker', () => {
  it('steps over every record, skipping fields and ops by their size prefixes', () => {
    const body = Buffer.concat([dataRecord(), record(), dataRecord()]);
    const seen = spans(body);
    expect(seen.map((r) => [r.offset, r.end])).toEqual([
      [0, 46],
      [46, 68],
      [68, 114],
    ]);
    expect(seen[0]!.opsOffset).toBe(22 + 9);
  });

  it('finds LAST in the first record of a frame', () => {
    expect(findAsMsgLast(Buffer.concat([record({ info3: LAST }), dataRecord()]))).toEqual({ offset: 0, resultCode: 0 });
  });

  it('finds LAST in a middle record of a frame', () => {
    const body = Buffer.concat([dataRecord(), record({ info3: LAST, resultCode: 4 }), dataRecord()]);
    expect(findAsMsgLast(body)).toEqual({ offset: 46, resultCode: 4 });
  });

  it('finds LAST appended at the end of the final records frame of a short query', () => {
    const records = framesOf('05-scan-50-small.conn2.s2c')[3]!.body;
    const body = Buffer.concat([records, record({ info3: LAST })]);
    expect(findAsMsgLast(records)).toBeUndefined();
    expect(findAsMsgLast(body)).toEqual({ offset: records.length, resultCode: 0 });
  });

  it('ignores PARTITION_DONE and other info3 bits', () => {
    expect(findAsMsgLast(Buffer.concat([record({ info3: 0x04 }), record({ info3: 0xfe })]))).toBeUndefined();
  });

  it('reports no LAST for a zero-length body', () => {
    expect(findAsMsgLast(Buffer.alloc(0))).toBeUndefined();
  });

  it('stops walking when the visitor returns true', () => {
    let visits = 0;
    walkAsMsgRecords(Buffer.concat([record(), record(), record()]), () => ++visits === 2);
    expect(visits).toBe(2);
  });

  for (const name of ['05-scan-50-small.conn2.s2c', '06-scan-50-large.conn2.s2c', '07-batch-get.conn2.s2c']) {
    it(`finds the LAST record only in the final frame of ${name}, and walks every listed record`, () => {
      const listed = capturedStream(name).frames;
      const frames = framesOf(name);
      expect(frames.length).toBe(listed.length);
      frames.forEach((frame, i) => {
        expect(spans(frame.body).length).withContext(`frame ${i} records`).toBe(listed[i]!.msgs!.length);
        const last = findAsMsgLast(frame.body);
        if (i < frames.length - 1) expect(last).withContext(`frame ${i}`).toBeUndefined();
        else expect(last).withContext('final frame').toEqual({ offset: 0, resultCode: 0 });
      });
    });
  }

  it('reads the batch index and per-key result codes of the batch reply', () => {
    const seen: [number, number][] = [];
    const body = framesOf('07-batch-get.conn2.s2c')[0]!.body;
    walkAsMsgRecords(body, (r) => {
      const h = decodeAsMsgHeader(body, r.offset);
      seen.push([h.transactionTtl, h.resultCode]);
    });
    expect(seen).toEqual([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0], [5, 2], [6, 0]]);
  });

  it('rejects a truncated record header with a parse_error', () => {
    expectParseError(() => spans(Buffer.concat([dataRecord(), record().subarray(0, 10)])), 'truncated as_msg record at offset 46');
  });

  it('rejects a wrong header size with a parse_error', () => {
    const bad = record();
    bad[0] = 30;
    expectParseError(() => spans(Buffer.concat([dataRecord(), bad])), 'expected 22, got 30');
  });

  it('rejects a field whose size points past the end of the body', () => {
    const body = dataRecord();
    body.writeUInt32BE(6, 22);
    expectParseError(() => spans(body.subarray(0, 31)), 'declares 6 bytes');
  });

  it('rejects a field size of zero', () => {
    const body = dataRecord();
    body.writeUInt32BE(0, 22);
    expectParseError(() => spans(body), 'declares 0 bytes');
  });

  it('rejects a truncated field header', () => {
    expectParseError(() => spans(record({ fields: 1 })), 'truncated as_msg field 0');
  });

  it('rejects an op size below its 4-byte minimum', () => {
    const body = dataRecord();
    body.writeUInt32BE(3, 31);
    expectParseError(() => spans(body), 'declares 3 bytes');
  });

  it('rejects an op whose size points past the end of the body', () => {
    const body = dataRecord();
    body.writeUInt32BE(12, 31);
    expectParseError(() => spans(body), 'declares 12 bytes');
  });

  it('rejects an op whose bin name is longer than the op', () => {
    const body = dataRecord();
    body[38] = 8;
    expectParseError(() => spans(body), 'name length 8');
  });

  it('rejects a truncated op header', () => {
    expectParseError(() => spans(Buffer.concat([record({ ops: 1 }), hex('00 00 00 04')])), 'truncated as_msg op 0');
  });
});
