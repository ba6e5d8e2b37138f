// scanCommand's request encoding: a first pass sends partition ids only, a resumed pass a cursor per partition.
import { scanCommand } from '../../lib/client/multi-record-commands';
import { resolveClientPolicies } from '../../lib/client/client-policies';
import { encodePartitionScan } from '../../lib/protocol/scan-request';
import { computeDigest, partitionId } from '../../lib/protocol/digest';

describe('scanCommand', () => {
  const policy = resolveClientPolicies(undefined).scan;
  const cmd = scanCommand('test', 's', policy);
  const options = { namespace: 'test', set: 's', taskId: 9n, socketTimeoutMs: policy.socketTimeoutMs, useCompression: policy.useCompression };

  it('encodes a pass that resumes no partition as its partition ids', () => {
    const request = cmd.encode([3, 5, 4095], () => undefined, 9n, undefined);
    expect(request).toEqual(encodePartitionScan({ ...options, partitionIds: [3, 5, 4095] }));
    expect(request).toEqual(encodePartitionScan({ ...options, partitions: [{ id: 3 }, { id: 5 }, { id: 4095 }] }));
  });

  it('encodes a resumed partition with the digest it resumes after', () => {
    const digest = computeDigest('s', 'k');
    const id = partitionId(digest);
    const other = (id + 1) % 4096;
    const request = cmd.encode([id, other], (p) => (p === id ? digest : undefined), 9n, undefined);
    expect(request).toEqual(encodePartitionScan({ ...options, partitions: [{ id, digest }, { id: other }] }));
  });
});
