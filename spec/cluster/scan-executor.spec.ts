// recordsOfFrame: what one scan reply frame yields, and the clock its records' TTLs are read against.
import { recordsOfFrame, type ScanCommand } from '../../lib/cluster/scan-executor';
import { PartitionTracker } from '../../lib/cluster/partition-tracker';
import { FieldType } from '../../lib/protocol/constants';
import { computeDigest } from '../../lib/protocol/digest';
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
});
