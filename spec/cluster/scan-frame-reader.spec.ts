// ScanFrameReader and frameRecords$: what one scan reply frame yields, record by record, and the
// clock its records' TTLs are read against.
import { take, toArray } from 'rxjs';
import { PartitionTracker } from '../../lib/cluster/partition-tracker';
import type { ScanCommand } from '../../lib/cluster/scan-executor';
import { frameRecords$, ScanFrameReader } from '../../lib/cluster/scan-frame-reader';
import { FieldType } from '../../lib/protocol/constants';
import { computeDigest, partitionId } from '../../lib/protocol/digest';
import { ResultCode } from '../../lib/protocol/result-codes';
import type { DecodedRecord } from '../../lib/protocol/record';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';

interface Parsed {
  generation: number;
  nowMs: number;
}

function command(parsed: Parsed[]): ScanCommand<number> {
  return {
    command: 'scan',
    namespace: 'test',
    set: 's',
    partitions: { begin: 0, count: 4096 },
    maxRecords: undefined,
    encode: () => Buffer.alloc(0),
    parse: (record: DecodedRecord, nowMs: number) => (parsed.push({ generation: record.generation, nowMs }), record.generation),
  };
}
const record = (key: number, generation: number) => asMsgRecord({ generation, fields: [{ type: FieldType.DIGEST_RIPE, data: computeDigest('s', key) }] });
/** Records 0..n-1 (generation = key), then an optional LAST. */
const records = (n: number) => Array.from({ length: n }, (_, k) => record(k, k));
const reader = (frame: Buffer, parsed: Parsed[] = [], tracker = new PartitionTracker(0, 4096), nowMs = 0) => new ScanFrameReader(frame, command(parsed), tracker, 'A', nowMs);

/** Every value the reader hands out, read by read (`maxRecords` per read). */
function reads(r: ScanFrameReader<number>, maxRecords = Infinity): { values: number[][]; error: unknown } {
  const values: number[][] = [];
  let error: unknown;
  while (!r.done && error === undefined) {
    const got: number[] = [];
    error = r.read((v) => (got.push(v), true), maxRecords);
    values.push(got);
  }
  return { values, error };
}

describe('ScanFrameReader', () => {
  it('parses every record of the frame against the clock reading it is given', () => {
    const parsed: Parsed[] = [];
    const r = reader(asMsgFrame([record(1, 11), record(2, 12), lastRecord()]), parsed, undefined, 1_700_000_000_000);
    expect(reads(r)).toEqual({ values: [[11, 12]], error: undefined });
    expect(r.last).toBe(true);
    expect(parsed).toEqual([
      { generation: 11, nowMs: 1_700_000_000_000 },
      { generation: 12, nowMs: 1_700_000_000_000 },
    ]);
  });

  it('is not last when the frame has no LAST record', () => {
    const r = reader(asMsgFrame([record(1, 11)]));
    expect(reads(r).values).toEqual([[11]]);
    expect(r.last).toBe(false);
  });

  it('skips a record whose partition is not scanned', () => {
    expect(reads(reader(asMsgFrame([record(1, 11)]), [], new PartitionTracker(0, 0))).values).toEqual([[]]);
  });

  it('hands each record out as soon as it is decoded, not after the frame', () => {
    const parsed: Parsed[] = [];
    const r = reader(asMsgFrame(records(5)), parsed);
    const decodedAtEmit: number[] = [];
    r.read(() => (decodedAtEmit.push(parsed.length), true));
    expect(decodedAtEmit).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads at most maxRecords records per call, resuming where it stopped', () => {
    const r = reader(asMsgFrame([...records(600), lastRecord()]));
    const { values } = reads(r, 256);
    // the LAST is the 601st record: the third call reads 89 records and hands out 88
    expect(values.map((v) => v.length)).toEqual([256, 256, 88]);
    expect(values.flat()).toEqual(Array.from({ length: 600 }, (_, k) => k));
    expect(r.last).toBe(true);
  });

  it('stops when emit says so, and goes on from the next record', () => {
    const parsed: Parsed[] = [];
    const tracker = new PartitionTracker(0, 4096);
    const r = reader(asMsgFrame(records(10)), parsed, tracker);
    const got: number[] = [];
    r.read((v) => (got.push(v), got.length < 3));
    // what was tracked is exactly what was handed out
    expect(got).toEqual([0, 1, 2]);
    expect(parsed.length).toBe(3);
    expect(tracker.emitted).toBe(3);
    expect(reads(r).values.flat()).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('returns the error of a LAST that carries one after the records before it, and ends the frame', () => {
    const tracker = new PartitionTracker(0, 4096);
    const r = reader(asMsgFrame([record(1, 11), record(2, 12), lastRecord(ResultCode.SCAN_ABORT)]), [], tracker);
    const { values, error } = reads(r);
    // before, the two were tracked but thrown away with the frame: a retry would have skipped them
    expect(values).toEqual([[11, 12]]);
    expect(tracker.emitted).toBe(2);
    expect(r.last).toBe(false);
    expect(r.done).toBe(true);
    expect((error as { resultCode?: number }).resultCode).toBe(ResultCode.SCAN_ABORT);
  });

  it('throws a malformed record after handing out the records before it, and tracks no more than it handed out', () => {
    const frame = asMsgFrame([record(1, 11), record(2, 12), record(3, 13)]);
    const broken = frame.subarray(0, frame.length - 4);
    broken.writeUInt32BE(broken.readUInt32BE(4) - 4, 4);
    const tracker = new PartitionTracker(0, 4096);
    const got: number[] = [];
    expect(() => reader(broken, [], tracker).read((v) => (got.push(v), true))).toThrowMatching((e: unknown) => (e as { code?: string }).code === 'parse_error');
    // a retry resumes after exactly these two
    expect(got).toEqual([11, 12]);
    expect(tracker.emitted).toBe(2);
  });
});

describe('ScanFrameReader on replies that break the protocol', () => {
  const codeOf = (error: unknown) => (error as { code?: string }).code;

  it('throws a parse_error for a record after the LAST record, having handed out only the records before LAST', () => {
    const tracker = new PartitionTracker(0, 4096);
    const r = reader(asMsgFrame([record(1, 11), lastRecord(), record(2, 12)]), [], tracker);
    const got: number[] = [];
    let error: unknown;
    try {
      r.read((v) => (got.push(v), true));
    } catch (e) {
      error = e;
    }
    expect(codeOf(error)).toBe('parse_error');
    expect((error as { node?: string }).node).toBe('A');
    // before, 12 was handed out too and the node counted as complete
    expect(got).toEqual([11]);
    expect(tracker.emitted).toBe(1);
    expect(r.last).toBe(false);
    expect(r.done).toBe(true);
  });

  it('throws a parse_error for bytes after an error LAST, with the LAST\'s error as its cause', () => {
    let error: unknown;
    try {
      reader(asMsgFrame([lastRecord(ResultCode.SCAN_ABORT), record(2, 12)])).read(() => true);
    } catch (e) {
      error = e;
    }
    expect(codeOf(error)).toBe('parse_error');
    expect(((error as Error).cause as { resultCode?: number }).resultCode).toBe(ResultCode.SCAN_ABORT);
  });

  it('throws a parse_error for a data record without a digest, after the records before it', () => {
    const tracker = new PartitionTracker(0, 4096);
    const got: number[] = [];
    const r = reader(asMsgFrame([record(1, 11), asMsgRecord({ generation: 7 }), lastRecord()]), [], tracker);
    // before, the record was dropped and the scan completed without it
    expect(() => r.read((v) => (got.push(v), true))).toThrowMatching((e: unknown) => codeOf(e) === 'parse_error' && /no digest/.test((e as Error).message));
    expect(got).toEqual([11]);
    expect(tracker.emitted).toBe(1);
    expect(r.last).toBe(false);
  });

  it('throws the result code of a data record that carries one, after the records before it, and tracks only those', () => {
    const tracker = new PartitionTracker(0, 4096);
    const got: number[] = [];
    const failed = asMsgRecord({ resultCode: ResultCode.PARTITION_UNAVAILABLE, generation: 12, fields: [{ type: FieldType.DIGEST_RIPE, data: computeDigest('s', 2) }] });
    const r = reader(asMsgFrame([record(1, 11), failed, record(3, 13), lastRecord()]), [], tracker);
    // before, it was handed out as record 12, and 13 after it
    expect(() => r.read((v) => (got.push(v), true))).toThrowMatching((e: unknown) => (e as { resultCode?: number }).resultCode === ResultCode.PARTITION_UNAVAILABLE && (e as { node?: string }).node === 'A');
    expect(got).toEqual([11]);
    expect(tracker.emitted).toBe(1);
    expect(tracker.digestOf(partitionId(computeDigest('s', 2)))).toBeUndefined();
    expect(r.done).toBe(true);
    expect(r.last).toBe(false);
  });
});

describe('frameRecords$', () => {
  it('emits every record of the frame, then completes', () => {
    let got: number[] = [];
    frameRecords$(reader(asMsgFrame([...records(600), lastRecord()]))).pipe(toArray()).subscribe((v) => (got = v));
    expect(got).toEqual(Array.from({ length: 600 }, (_, k) => k));
  });

  it('emits the records before an error LAST, then fails with it', () => {
    const got: number[] = [];
    let error: unknown;
    frameRecords$(reader(asMsgFrame([record(1, 11), lastRecord(ResultCode.SCAN_ABORT)]))).subscribe({ next: (v) => got.push(v), error: (e: unknown) => (error = e) });
    expect(got).toEqual([11]);
    expect((error as { resultCode?: number }).resultCode).toBe(ResultCode.SCAN_ABORT);
  });

  it('stops decoding the frame when the subscriber goes', () => {
    const parsed: Parsed[] = [];
    const tracker = new PartitionTracker(0, 4096);
    frameRecords$(reader(asMsgFrame(records(600)), parsed, tracker)).pipe(take(3)).subscribe();
    expect(parsed.length).toBe(3);
    expect(tracker.emitted).toBe(3);
  });
});
