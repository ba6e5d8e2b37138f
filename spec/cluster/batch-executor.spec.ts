// Batch reads across nodes (client-design.md §C5 Batch, cluster.md §10, §14 scenarios 27-28) on a
// three-node FakeCluster in virtual time: grouping, caller order, regrouping a failed node's keys.
import { mergeMap, NEVER, shareReplay, type Observable } from 'rxjs';
import { executeBatch$ } from '../../lib/cluster/batch-executor';
import { Cluster } from '../../lib/cluster/cluster';
import type { ResolvedPolicy } from '../../lib/cluster/policy';
import { AerospikeError } from '../../lib/errors';
import type { RecordKey } from '../../lib/protocol/requests';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { batchCommand, partitionOf, readPolicy, runMarbles, type Run } from './cluster-harness';

const KEYS: RecordKey[] = Array.from({ length: 12 }, (_, i) => ({ namespace: 'test', set: 'users', key: `u${i}` }));

interface Setup {
  readonly fake: FakeCluster;
  batch(keys: readonly RecordKey[], policy?: ResolvedPolicy, maxConcurrentNodes?: number): Observable<(Record<string, unknown> | null)[]>;
  owner(key: RecordKey, replica?: number): string;
}

function setup(r: Run, latencyMs = 0): Setup {
  const fake = new FakeCluster({ nodes: ['A', 'B', 'C'], latencyMs });
  // every even key exists, with bin n = its number
  KEYS.forEach((key, i) => {
    if (i % 2 !== 0) return;
    const { record } = fake.store.getOrCreate('test', 'users', require('../../lib/protocol/requests').keyDigest(key));
    const value = Buffer.alloc(8);
    value.writeBigInt64BE(BigInt(i));
    record.bins.set('n', { particleType: 1, bytes: value });
    record.generation = 1;
  });
  const connected$ = Cluster.connect$(fake.clientOptions()).pipe(shareReplay(1));
  let cluster: Cluster | undefined;
  connected$.subscribe((c) => (cluster = c));
  r.at(60_000, () => cluster?.close());
  return {
    fake,
    batch: (keys, policy = readPolicy(), concurrency = 0) => connected$.pipe(mergeMap((c) => executeBatch$(c, batchCommand(keys), policy, concurrency))),
    owner: (key, replica = 0) => fake.replicas('test', partitionOf(key))[replica]!,
  };
}

const expected = KEYS.map((_, i) => (i % 2 === 0 ? { n: i } : null));

function batchCalls(fake: FakeCluster): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of ['A', 'B', 'C']) out[n] = fake.transport.calls(n).filter((c) => c.kind === 'commandStream').length;
  return out;
}

describe('Batch executor', () => {
  it('sends one request per node and returns the results in caller order, null for missing keys', () => {
    let calls: Record<string, number> = {};
    runMarbles((r) => {
      const s = setup(r);
      r.expectObservable(s.batch(KEYS)).toBe('(v|)', { v: expected });
      r.at(1, () => (calls = batchCalls(s.fake)));
    });
    expect(calls).toEqual({ A: 1, B: 1, C: 1 });
  });

  it('regroups only the failed node\'s keys on their next replica', () => {
    let calls: Record<string, number> = {};
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommandStream('A', new AerospikeError('network_error', 'reset'));
      r.expectObservable(s.batch(KEYS)).toBe('(v|)', { v: expected });
      r.at(1, () => (calls = batchCalls(s.fake)));
    });
    // A's keys went to their proles (B or C), in one more request per prole
    expect(calls.A).toBe(1);
    expect(calls.B! + calls.C!).toBeGreaterThanOrEqual(3);
  });

  it('a key whose master was skipped retries past the prole that failed it, on its third replica', () => {
    let calls: Record<string, number> = {};
    runMarbles((r) => {
      const fake = new FakeCluster({ nodes: ['A', 'B', 'C'], ownership: ['A', 'B', 'C'], replicationFactor: 3 });
      let cluster: Cluster | undefined;
      const connected$ = Cluster.connect$(fake.clientOptions()).pipe(shareReplay(1));
      connected$.subscribe((c) => (cluster = c));
      r.at(1, () => cluster!.remove(cluster!.nodes.get('A')!, 'name_changed'));
      r.at(60_000, () => cluster?.close());
      fake.transport.scriptCommandStream('B', new AerospikeError('network_error', 'reset'));
      const batch$ = connected$.pipe(mergeMap((c) => executeBatch$(c, batchCommand([KEYS[1]!]), readPolicy({ maxRetries: 1 }))));
      r.expectObservable(r.cold('--x|').pipe(mergeMap(() => batch$))).toBe('--v|', { v: [null] });
      r.at(3, () => (calls = batchCalls(fake)));
    });
    // B (the master A skipped) fails; the retry goes on to C instead of walking back to B
    expect(calls).toEqual({ A: 0, B: 1, C: 1 });
  });

  it('runs node requests in parallel, or maxConcurrentNodes at a time', () => {
    runMarbles((r) => {
      const s = setup(r, 10);
      // connect tend takes 6 ms at 10 ms latency per round: batches start at 60
      r.expectObservable(s.batch(KEYS)).toBe('70ms (v|)', { v: expected });
    });
    runMarbles((r) => {
      const s = setup(r, 10);
      r.expectObservable(s.batch(KEYS, readPolicy(), 1)).toBe('90ms (v|)', { v: expected });
    });
  });

  it('retries keys a node answered partition unavailable (11) on their next replica', () => {
    runMarbles((r) => {
      const s = setup(r);
      const key = KEYS[0]!;
      s.fake.unavailable(s.owner(key), [partitionOf(key)]);
      r.expectObservable(s.batch([key])).toBe('(v|)', { v: [{ n: 0 }] });
    });
  });

  it('fails the batch on a node error that is not retryable', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommandStream(s.owner(KEYS[0]!), Buffer.from([0, 1, 2]));
      r.expectObservable(s.batch([KEYS[0]!])).toBe('#', undefined, new AerospikeError('parse_error', 'truncated as_msg record at offset 0: need 22 header bytes, have 3'));
    });
  });

  it('ends with the last error when retries are used up', () => {
    runMarbles((r) => {
      const s = setup(r);
      for (const n of ['A', 'B', 'C']) for (let i = 0; i < 3; i++) s.fake.transport.scriptCommandStream(n, new AerospikeError('network_error', `down ${n}`));
      s.batch([KEYS[0]!], readPolicy({ maxRetries: 2 })).subscribe({ error: (e: AerospikeError) => expect(e.code).toBe('network_error') });
    });
  });

  it('unsubscribing destroys every node request in flight', () => {
    let state: unknown;
    runMarbles((r) => {
      const s = setup(r);
      for (const n of ['A', 'B', 'C']) s.fake.transport.scriptCommandStream(n, NEVER);
      const sub = s.batch(KEYS).subscribe();
      r.at(5, () => sub.unsubscribe());
      r.at(6, () => (state = ['A', 'B', 'C'].map((n) => s.fake.transport.calls(n).length > 0 && s.fake.transport.closeCount(n))));
    });
    expect(state).toEqual([1, 1, 1]);
  });

  it('unsubscribing during the pause between rounds sends no further request', () => {
    let requests = -1;
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommandStream(s.owner(KEYS[0]!), new AerospikeError('network_error', 'reset'));
      const sub = s.batch([KEYS[0]!], readPolicy({ sleepBetweenRetriesMs: 100 })).subscribe();
      r.at(50, () => sub.unsubscribe());
      r.at(500, () => (requests = ['A', 'B', 'C'].reduce((n, id) => n + s.fake.transport.calls(id).filter((c) => c.kind === 'commandStream').length, 0)));
    });
    expect(requests).toBe(1);
  });

  it('an empty key list gives an empty result without a request', () => {
    runMarbles((r) => {
      const s = setup(r);
      r.expectObservable(s.batch([])).toBe('(v|)', { v: [] });
    });
  });
});

/** A batch reply record for batch index `index`, with bin n = `value`. */
const replyRecord = (index: number, value: string) => asMsgRecord({ transactionTtl: index, generation: 1, ops: [{ op: 1, name: 'n', value }] });

/** What the batch of `keys` ends with when the owner of their first key answers with `body` (a reply body) once. */
function batchWithReply(body: (s: Setup) => Buffer, keys: (s: Setup) => readonly RecordKey[] = () => [KEYS[0]!]): { value: unknown; error: unknown; owner: string } {
  const out: { value: unknown; error: unknown; owner: string } = { value: undefined, error: undefined, owner: '' };
  runMarbles((r) => {
    const s = setup(r);
    const batchKeys = keys(s);
    out.owner = s.owner(batchKeys[0]!);
    s.fake.transport.scriptCommandStream(out.owner, body(s));
    s.batch(batchKeys).subscribe({ next: (v) => (out.value = v), error: (e: unknown) => (out.error = e) });
  });
  return out;
}

describe('Batch executor on replies that break the protocol', () => {
  it('fails with a parse_error naming the node and the batch index a complete reply left out', () => {
    const { value, error, owner } = batchWithReply(
      () => Buffer.concat([replyRecord(0, 'x'), lastRecord(0)]),
      (s) => KEYS.filter((k) => s.owner(k) === s.owner(KEYS[0]!)).slice(0, 2),
    );
    // before, the key stayed pending with no error, and the batch failed with `undefined`
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(AerospikeError);
    expect((error as AerospikeError).code).toBe('parse_error');
    expect((error as AerospikeError).node).toBe(owner);
    expect((error as AerospikeError).message).toContain(`node ${owner}: no result for batch index 1`);
  });

  it('fails with a parse_error for a reply record whose batch index is out of range', () => {
    const { value, error } = batchWithReply(() => Buffer.concat([replyRecord(0, 'x'), replyRecord(7, 'y'), lastRecord(0)]));
    expect(value).toBeUndefined();
    expect((error as AerospikeError).code).toBe('parse_error');
    expect((error as AerospikeError).message).toContain('batch index 7 is out of range');
  });

  it('fails with a parse_error for a batch index the reply answers twice', () => {
    const { value, error } = batchWithReply(() => Buffer.concat([replyRecord(0, 'x'), replyRecord(0, 'y'), lastRecord(0)]));
    expect(value).toBeUndefined();
    expect((error as AerospikeError).code).toBe('parse_error');
    expect((error as AerospikeError).message).toContain('batch index 0 is answered twice');
  });

  it('fails with a parse_error for a record after the LAST record, taking no result from it', () => {
    const { value, error } = batchWithReply(() => Buffer.concat([lastRecord(0), replyRecord(0, 'after-last')]));
    // before, the record after LAST filled the key's result
    expect(value).toBeUndefined();
    expect((error as AerospikeError).code).toBe('parse_error');
    expect((error as AerospikeError).message).toContain('follow the LAST record');
  });

  it('a later round fails with its own error, not with an earlier round\'s', () => {
    let error: unknown;
    let value: unknown;
    let prole = '';
    runMarbles((r) => {
      const s = setup(r);
      const key = KEYS[0]!;
      prole = s.owner(key, 1);
      // round 1: the master fails (retryable); round 2: the prole's reply leaves the key out
      s.fake.transport.scriptCommandStream(s.owner(key), new AerospikeError('network_error', 'reset'));
      s.fake.transport.scriptCommandStream(prole, lastRecord(0));
      s.batch([key]).subscribe({ next: (v) => (value = v), error: (e: unknown) => (error = e) });
    });
    // before, round 2 was retried on round 1's network_error
    expect(value).toBeUndefined();
    expect((error as AerospikeError).code).toBe('parse_error');
    expect((error as AerospikeError).node).toBe(prole);
  });
});
