// recordsOfFrame: what one scan reply frame yields, and the clock its records' TTLs are read against.
import { recordsOfFrame, type ScanCommand } from '../../lib/cluster/scan-executor';
import { PartitionTracker } from '../../lib/cluster/partition-tracker';
import { FieldType } from '../../lib/protocol/constants';
import { computeDigest } from '../../lib/protocol/digest';
import { ResultCode } from '../../lib/protocol/result-codes';
import type { DecodedRecord } from '../../lib/protocol/record';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';

describe('recordsOfFrame', () => {
  function command(parsed: Array<{ generation: number; nowMs: number }>): ScanCommand<number> {
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

  it('parses every record of the frame against the clock reading it is given', () => {
    const parsed: Array<{ generation: number; nowMs: number }> = [];
    const frame = asMsgFrame([record(1, 11), record(2, 12), lastRecord()]);
    const { values, last } = recordsOfFrame(frame, command(parsed), new PartitionTracker(0, 4096), 'A', 1_700_000_000_000);
    expect(values).toEqual([11, 12]);
    expect(last).toBe(true);
    expect(parsed).toEqual([
      { generation: 11, nowMs: 1_700_000_000_000 },
      { generation: 12, nowMs: 1_700_000_000_000 },
    ]);
  });

  it('skips a record whose partition is not scanned', () => {
    const parsed: Array<{ generation: number; nowMs: number }> = [];
    const frame = asMsgFrame([record(1, 11)]);
    const { values } = recordsOfFrame(frame, command(parsed), new PartitionTracker(0, 0), 'A', 0);
    expect(values).toEqual([]);
  });

  it('returns the records before a LAST that carries an error, with the error, so they go out before it', () => {
    const frame = asMsgFrame([record(1, 11), record(2, 12), lastRecord(ResultCode.SCAN_ABORT)]);
    const tracker = new PartitionTracker(0, 4096);
    const { values, last, error } = recordsOfFrame(frame, command([]), tracker, 'A', 0);
    // before, the two were tracked but thrown away with the frame: a retry would have skipped them
    expect(values).toEqual([11, 12]);
    expect(tracker.emitted).toBe(2);
    expect(last).toBe(false);
    expect((error as { resultCode?: number }).resultCode).toBe(ResultCode.SCAN_ABORT);
  });

  it('throws a malformed frame before it tracks any of its records', () => {
    const frame = asMsgFrame([record(1, 11), record(2, 12), record(3, 13)]);
    const broken = frame.subarray(0, frame.length - 4);
    broken.writeUInt32BE(broken.readUInt32BE(4) - 4, 4);
    const tracker = new PartitionTracker(0, 4096);
    expect(() => recordsOfFrame(broken, command([]), tracker, 'A', 0)).toThrowMatching((e: unknown) => (e as { code?: string }).code === 'parse_error');
    expect(tracker.emitted).toBe(0);
  });
});
