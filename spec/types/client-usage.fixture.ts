// Compiled by spec/types/types.spec.ts against the package's emitted declarations, as a user's
// `tsc --strict` project would (exactOptionalPropertyTypes, noUncheckedIndexedAccess). Each `@ts-expect-error` line must fail to compile; the rest must compile.
import { firstValueFrom, type Observable } from 'rxjs';
import { AerospikeClient, AerospikeError, Double, op, type AerospikeRecord, type ClusterEvent, type Key, type Value, type WriteResult } from 'aerospike-rx-transport';
import { FakeCluster } from 'aerospike-rx-transport/testing';

export async function correctUse(): Promise<void> {
  const fake = new FakeCluster({ nodes: ['A', 'B'] });
  const client = await firstValueFrom(AerospikeClient.connect$({ ...fake.clientOptions(), policies: { read: { totalTimeoutMs: 500, replica: 'master_proles' }, write: { exists: 'create_only' } } }));
  const key: Key = { namespace: 'test', set: 'users', key: 'ada' };
  const written: WriteResult = await firstValueFrom(client.put$(key, { name: 'Ada', age: 36, big: 2n ** 60n, score: Double(1), tags: ['x', { y: [1] }], raw: Buffer.alloc(1), m: new Map<Value, Value>([[1, 'one']]), gone: null }, { ttlSeconds: -1, sendKey: true }));
  void written.generation;
  const record: AerospikeRecord | null = await firstValueFrom(client.get$(key, { bins: ['name'] }));
  const name: Value | undefined = record?.bins['name'];
  void name;
  const flags: Observable<boolean> = client.exists$(key);
  void flags;
  const many: (AerospikeRecord | null)[] = await firstValueFrom(client.batchGet$([key, { namespace: 'test', set: '', digest: new Uint8Array(20) }]));
  void many;
  const updated = await firstValueFrom(client.operate$(key, [op.add('age', 1), op.listAppend('tags', 'z'), op.mapGetByKey('m', 1), op.get('age')]));
  void updated?.generation;
  for await (const r of client.scanIterable('test', 'users', { maxRecords: 10 })) void r.key.digest;
  client.events$.subscribe((e: ClusterEvent) => {
    if (e.type === 'node_removed') void e.reason;
    if (e.type === 'tend_error') void e.error.code;
  });
  client.scan$('test').subscribe({ error: (e: unknown) => e instanceof AerospikeError && e.code === 'partition_unavailable' && e.inDoubt });
  void client.stats().nodes[0]?.connections.open;
  client.close();
}

export function wrongUse(client: AerospikeClient, key: Key): void {
  // @ts-expect-error a key needs its set
  client.get$({ namespace: 'test', key: 1 });
  // @ts-expect-error a function is not a bin value
  client.put$(key, { f: () => 1 });
  // @ts-expect-error a Date is not a bin value
  client.put$(key, { when: new Date() });
  // @ts-expect-error undefined is not a bin value
  client.put$(key, { u: undefined });
  // @ts-expect-error op.add takes a number, bigint or Double
  op.add('n', 'one');
  // @ts-expect-error not a replica policy
  client.get$(key, { replica: 'nearest' });
  // @ts-expect-error totalTimeoutMs is a number
  client.get$(key, { totalTimeoutMs: '1000' });
  // @ts-expect-error not an exists policy
  client.put$(key, { n: 1 }, { exists: 'sometimes' });
  // @ts-expect-error operate$ takes operations built by op.*
  client.operate$(key, [{ kind: 'add', bin: 'n' }]);
  // @ts-expect-error get$ emits a record or null, not a WriteResult
  const w: Observable<WriteResult> = client.get$(key);
  void w;
  client.events$.subscribe((e) => {
    // @ts-expect-error only node_removed events carry a reason
    void e.reason;
  });
  const error = new AerospikeError('timeout', 'x');
  // @ts-expect-error not an error code
  void (error.code === 'no_such_code');
}
