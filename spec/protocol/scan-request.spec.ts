import { FieldType } from '../../lib/protocol/constants';
import { computeDigest, partitionId } from '../../lib/protocol/digest';
import { encodePartitionScan } from '../../lib/protocol/scan-request';

/** The fields of a request frame as [type, data] pairs, in order. */
function fields(frame: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let at = 30;
  for (let i = 0; i < frame.readUInt16BE(26); i++) {
    const size = frame.readUInt32BE(at);
    out.push([frame[at + 4]!, frame.subarray(at + 5, at + 4 + size)]);
    at += 4 + size;
  }
  return out;
}

describe('partition scan resume', () => {
  const digest = computeDigest('s', 'k');
  const pid = partitionId(digest);

  it('sends partitions without a digest in the PID_ARRAY and resumed ones in a DIGEST_ARRAY, before MAX_RECORDS', () => {
    const scan = encodePartitionScan({ namespace: 'ns', taskId: 1, maxRecords: 10, partitions: [{ id: 7 }, { id: pid, digest }, { id: 9 }] });
    expect(fields(scan).map(([type]) => type)).toEqual([FieldType.NAMESPACE, FieldType.SOCKET_TIMEOUT, FieldType.QUERY_ID, FieldType.PID_ARRAY, FieldType.DIGEST_ARRAY, FieldType.MAX_RECORDS]);
    expect(fields(scan)[3]![1].toString('hex')).toBe('07000900');
    expect(fields(scan)[4]![1]).toEqual(digest);
  });

  it('sends no PID_ARRAY when every partition resumes after a digest', () => {
    const other = computeDigest('s', 'other');
    const scan = encodePartitionScan({ namespace: 'ns', taskId: 1, partitions: [{ id: pid, digest }, { id: partitionId(other), digest: other }] });
    expect(fields(scan).map(([type]) => type)).toEqual([FieldType.NAMESPACE, FieldType.SOCKET_TIMEOUT, FieldType.QUERY_ID, FieldType.DIGEST_ARRAY]);
    expect(fields(scan)[3]![1]).toEqual(Buffer.concat([digest, other]));
  });

  it('sends the same PID_ARRAY for partitions without digests as for partitionIds', () => {
    expect(encodePartitionScan({ namespace: 'ns', taskId: 1, partitions: [{ id: 1 }, { id: 515 }] })).toEqual(
      encodePartitionScan({ namespace: 'ns', taskId: 1, partitionIds: [1, 515] }),
    );
  });

  it('rejects a digest of the wrong size or of another partition, and partitionIds with partitions', () => {
    expect(() => encodePartitionScan({ namespace: 'ns', taskId: 1, partitions: [{ id: pid, digest: Buffer.alloc(19) }] })).toThrowError(RangeError, /^partitions\[0\]\.digest must be 20 bytes/);
    expect(() => encodePartitionScan({ namespace: 'ns', taskId: 1, partitions: [{ id: (pid + 1) % 4096, digest }] })).toThrowError(RangeError, new RegExp(`^partitions\\[0\\]\\.digest belongs to partition ${pid}`));
    expect(() => encodePartitionScan({ namespace: 'ns', taskId: 1, partitions: [{ id: 4096 }] })).toThrowError(RangeError, /partition id must be an integer in \[0, 4096\)/);
    expect(() => encodePartitionScan({ namespace: 'ns', taskId: 1, partitions: [] })).toThrowError(RangeError, /partitions must not be empty/);
    expect(() => encodePartitionScan({ namespace: 'ns', taskId: 1, partitions: [{ id: 1 }], partitionIds: [1] })).toThrowError(TypeError, /mutually exclusive/);
  });
});
