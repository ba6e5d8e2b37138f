import { FieldType } from '../../lib/protocol/constants';
import { computeDigest, partitionId } from '../../lib/protocol/digest';
import { scanPlan, type PartitionAccess, type ScanItem } from '../../lib/testing/simulated-scan-plan';
import { SimulatedStore, type StoredRecord } from '../../lib/testing/simulated-store';

const pidArray = (ids: readonly number[]) => {
  const data = Buffer.alloc(ids.length * 2);
  ids.forEach((id, i) => data.writeUInt16LE(id, i * 2));
  return data;
};
const fields = (entries: ReadonlyArray<readonly [number, Buffer]>) => new Map<number, Buffer>(entries);
const describeItem = (item: ScanItem) => (typeof item === 'number' ? `done ${item}` : `record ${item.partitionId}`);

describe('scanPlan', () => {
  let store: SimulatedStore;
  /** Keys of set `s` grouped by partition, for partitions holding at least 3 of the first 20000 keys. */
  let crowded: Map<number, number[]>;

  beforeEach(() => {
    store = new SimulatedStore(() => Date.UTC(2026, 0, 1));
    store.seed('test', 's', 20_000, 0);
    store.seed('test', 'other', 100, 0);
    crowded = new Map();
    for (let k = 0; k < 20_000; k++) {
      const p = partitionId(computeDigest('s', k));
      crowded.set(p, [...(crowded.get(p) ?? []), k]);
    }
    for (const [p, keys] of crowded) if (keys.length < 3) crowded.delete(p);
  });

  it('yields the partitions in request order and each partition in descending digest order', () => {
    const ids = [...crowded.keys()].slice(0, 5).reverse();
    const records = [...scanPlan(fields([[FieldType.PID_ARRAY, pidArray(ids)]]), 'test', 's', store, undefined, true)] as StoredRecord[];
    expect(records.length).toBe(ids.reduce((n, p) => n + crowded.get(p)!.length, 0));
    expect([...new Set(records.map((r) => r.partitionId))]).toEqual(ids);
    for (let i = 1; i < records.length; i++) {
      if (records[i]!.partitionId === records[i - 1]!.partitionId) expect(Buffer.compare(records[i - 1]!.digest, records[i]!.digest)).toBe(1);
    }
  });

  it('resumes a DIGEST_ARRAY partition after the given digest, that digest excluded', () => {
    const [p, keys] = [...crowded][0]!;
    const sorted = keys.map((k) => computeDigest('s', k)).sort((a, b) => Buffer.compare(b, a));
    const items = [...scanPlan(fields([[FieldType.DIGEST_ARRAY, sorted[0]!]]), 'test', 's', store, undefined, true)] as StoredRecord[];
    expect(items.map((r) => r.digest.toString('hex'))).toEqual(sorted.slice(1).map((d) => d.toString('hex')));
    expect(items.every((r) => r.partitionId === p)).toBe(true);
  });

  it('answers PID_ARRAY partitions before DIGEST_ARRAY ones', () => {
    const [[first], [second, keys]] = [...crowded] as [[number, number[]], [number, number[]]];
    const digest = computeDigest('s', keys[0]!);
    const plan = scanPlan(fields([[FieldType.DIGEST_ARRAY, digest], [FieldType.PID_ARRAY, pidArray([first])]]), 'test', 's', store, undefined, true);
    const order = [...plan].map((item) => (item as StoredRecord).partitionId);
    expect(order.indexOf(second)).toBeGreaterThan(order.lastIndexOf(first));
  });

  it('yields a marker in place of each partition the node does not serve, only when markers are asked for', () => {
    const ids = [...crowded.keys()].slice(0, 4);
    const access = (_ns: string, p: number): PartitionAccess => (p === ids[1] ? 'proxied' : p === ids[2] ? 'unavailable' : 'held');
    const withMarkers = [...scanPlan(fields([[FieldType.PID_ARRAY, pidArray(ids)]]), 'test', 's', store, access, true)].map(describeItem);
    expect([...new Set(withMarkers)]).toEqual([`record ${ids[0]}`, `done ${ids[1]}`, `done ${ids[2]}`, `record ${ids[3]}`]);
    expect(withMarkers.filter((d) => d.startsWith('done')).length).toBe(2);
    const without = [...scanPlan(fields([[FieldType.PID_ARRAY, pidArray(ids)]]), 'test', 's', store, access, false)].map(describeItem);
    expect(without.some((d) => d.startsWith('done'))).toBe(false);
  });

  it('scans every partition without a PID_ARRAY or DIGEST_ARRAY', () => {
    expect([...scanPlan(fields([]), 'test', 'other', store, undefined, false)].length).toBe(100);
    expect([...scanPlan(fields([]), 'test', '', store, undefined, false)].length).toBe(20_100);
  });

  it('throws a parse_error at once for an odd-length PID_ARRAY, an out-of-range id or a partial digest', () => {
    const cases: Array<[Map<number, Buffer>, RegExp]> = [
      [fields([[FieldType.PID_ARRAY, Buffer.alloc(3)]]), /PID_ARRAY length 3 is not a multiple of 2/],
      [fields([[FieldType.PID_ARRAY, pidArray([4096])]]), /partition id 4096 in PID_ARRAY is not below 4096/],
      [fields([[FieldType.DIGEST_ARRAY, Buffer.alloc(30)]]), /DIGEST_ARRAY length 30 is not a multiple of 20/],
    ];
    for (const [bad, message] of cases) {
      expect(() => scanPlan(bad, 'test', 's', store, undefined, true)).toThrow(jasmine.objectContaining({ code: 'parse_error', message: jasmine.stringMatching(message) }));
    }
  });
});
