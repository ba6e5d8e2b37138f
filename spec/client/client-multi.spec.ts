// batchGet$, scan$, scanIterable, info$, infoAll$ and truncate$ (client-design.md §C2, §C5) on a
// three-node FakeCluster in virtual time: caller order, regrouping, exactly-once scans across node
// failures with resume after the last digest, teardown, info routing.
import { lastValueFrom, NEVER, toArray, type Observable } from 'rxjs';
import { AerospikeClient } from '../../lib/client/aerospike-client';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { ScanFrameReader } from '../../lib/cluster/scan-frame-reader';
import { FieldType } from '../../lib/protocol/constants';
import { ResultCode } from '../../lib/protocol/result-codes';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { AerospikeError } from '../../lib/errors';
import { computeDigest, partitionId } from '../../lib/protocol/digest';
import type { AerospikeRecord } from '../../lib/client/record-commands';
import { runMarbles } from '../cluster/cluster-harness';
import { clientOn, type ClientSetup } from './client-harness';

const COUNT = 300;

function seeded(s: ClientSetup): ClientSetup {
  s.fake.store.seed('test', 'scan', COUNT, 0);
  return s;
}

function keysOf(records: readonly AerospikeRecord[]): number[] {
  return records.map((r) => r.bins['n'] as number).sort((a, b) => a - b);
}

const all = Array.from({ length: COUNT }, (_, i) => i);

/** A scan reply record of key k in test/scan, without bins. */
const scanRecord = (k: number) =>
  asMsgRecord({ fields: [{ type: FieldType.NAMESPACE, data: Buffer.from('test') }, { type: FieldType.SET, data: Buffer.from('scan') }, { type: FieldType.DIGEST_RIPE, data: computeDigest('scan', k) }] });

describe('AerospikeClient multi-record methods', () => {
  it('batchGet$ returns records in caller order with null for missing keys, one request per node', () => {
    let got: unknown;
    let requests = 0;
    runMarbles((r) => {
      const s = seeded(clientOn(r));
      const keys = [5, 999, 1, 2, 1000, 3].map((k) => ({ namespace: 'test', set: 'scan', key: k }));
      s.call((c) => c.batchGet$(keys)).subscribe((v) => (got = v.map((rec) => (rec === null ? null : rec.bins['n']))));
      r.at(1, () => (requests = ['A', 'B', 'C'].reduce((n, id) => n + s.fake.transport.calls(id).filter((c) => c.kind === 'commandStream').length, 0)));
    });
    expect(got).toEqual([5, null, 1, 2, null, 3]);
    expect(requests).toBeLessThanOrEqual(3);
  });

  it('batchGet$ regroups a failed node\'s keys on their next replica', () => {
    let got: unknown;
    runMarbles((r) => {
      const s = seeded(clientOn(r));
      s.fake.transport.scriptCommandStream('A', new AerospikeError('network_error', 'reset'));
      const keys = all.slice(0, 30).map((k) => ({ namespace: 'test', set: 'scan', key: k }));
      s.call((c) => c.batchGet$(keys, { bins: ['n'] })).subscribe((v) => (got = v.map((rec) => rec?.bins['n'])));
    });
    expect(got).toEqual(all.slice(0, 30));
  });

  it('scan$ emits every record exactly once from all nodes', () => {
    let got: number[] = [];
    runMarbles((r) => {
      const s = seeded(clientOn(r));
      s.call((c) => c.scan$('test', 'scan').pipe(toArray())).subscribe((v) => (got = keysOf(v)));
    });
    expect(got).toEqual(all);
  });

  it('scan$ resumes a node that failed mid-scan on the next replica after its last digest: no duplicate, none missing', () => {
    let got: number[] = [];
    let resumed = false;
    runMarbles((r) => {
      const s = seeded(clientOn(r, { scanFrameBytes: 64 }));
      s.fake.cutStreams('A', 20);
      s.call((c) => c.scan$('test', 'scan').pipe(toArray())).subscribe((v) => (got = keysOf(v)));
      r.at(5000, () => {
        // the retry pass sent at least one DIGEST_ARRAY (field 12) to resume a partition
        resumed = ['B', 'C'].some((n) => s.fake.transport.calls(n).some((c) => c.kind === 'stream' && c.request.includes(Buffer.from([0x0c]))));
      });
    });
    expect(got).toEqual(all);
    expect(resumed).toBeTrue();
  });

  it('scan$ retries partitions a node answered unavailable on their next replica', () => {
    let got: number[] = [];
    runMarbles((r) => {
      const s = seeded(clientOn(r));
      const partitions = new Set(all.map((k) => partitionId(computeDigest('scan', k))));
      s.fake.unavailable('B', partitions);
      s.call((c) => c.scan$('test', 'scan').pipe(toArray())).subscribe((v) => (got = keysOf(v)));
    });
    expect(got).toEqual(all);
  });

  it('scan$ stops after maxRecords and tears the node streams down', () => {
    let got = -1;
    runMarbles((r) => {
      const s = seeded(clientOn(r, { scanFrameBytes: 64 }));
      s.call((c) => c.scan$('test', 'scan', { maxRecords: 25 }).pipe(toArray())).subscribe((v) => (got = v.length));
    });
    expect(got).toBe(25);
  });

  it('scan$ of a partition range returns only records of those partitions', () => {
    let got: number[] = [];
    runMarbles((r) => {
      const s = seeded(clientOn(r));
      s.call((c) => c.scan$('test', 'scan', { partitions: { begin: 0, count: 1024 } }).pipe(toArray())).subscribe((v) => (got = keysOf(v)));
    });
    expect(got).toEqual(all.filter((k) => partitionId(computeDigest('scan', k)) < 1024));
  });

  it('scan$ fails with the last error when retries are used up', () => {
    runMarbles((r) => {
      const s = seeded(clientOn(r, { nodes: ['A'], replicationFactor: 1 }));
      s.fake.cutStreams('A', 0, 10);
      r.expectObservable(s.call((c) => c.scan$('test', 'scan', { maxRetries: 1 }))).toBe('2ms #', undefined, new AerospikeError('network_error', 'connection closed by 10.0.0.1:3000 mid-scan'));
    });
  });

  it('unsubscribing scan$ destroys every node\'s stream', () => {
    let closes: number[] = [];
    runMarbles((r) => {
      const s = seeded(clientOn(r));
      for (const n of ['A', 'B', 'C']) s.fake.transport.scriptStream(n, NEVER);
      const sub = s.call((c) => c.scan$('test', 'scan')).subscribe();
      r.at(10, () => sub.unsubscribe());
      r.at(11, () => (closes = ['A', 'B', 'C'].map((n) => s.fake.transport.streamCloseCount(n))));
    });
    expect(closes).toEqual([1, 1, 1]);
  });

  it('scanIterable yields every record exactly once, and across a node failing mid-scan', async () => {
    for (const cut of [false, true]) {
      const s = clientOnReal(cut);
      const client = await lastValueFrom(s.connect$);
      const records: AerospikeRecord[] = [];
      for await (const record of client.scanIterable('test', 'scan')) records.push(record);
      client.close();
      expect(keysOf(records)).withContext(cut ? 'with a node cut mid-scan' : 'clean').toEqual(all);
    }
  });

  it('scanIterable decodes a large frame a slice at a time, as the loop pulls', async () => {
    const fake = new FakeCluster({ nodes: ['A'], replicationFactor: 1 });
    fake.store.seed('test', 'big', 600, 0);
    const client = await lastValueFrom(AerospikeClient.connect$(fake.clientOptions()));
    const read = spyOn(ScanFrameReader.prototype, 'read').and.callThrough();
    const keys: number[] = [];
    for await (const record of client.scanIterable('test', 'big')) {
      keys.push(record.bins['n'] as number);
      // the first record came from the first slice of the one frame: the rest of it is not decoded yet
      if (keys.length === 1) expect(read.calls.allArgs().map(([, max]) => max)).toEqual([256]);
    }
    client.close();
    expect(keys.sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(read.calls.allArgs().every(([, max]) => max === 256)).toBeTrue();
  });

  it('scanIterable yields exactly maxRecords records, as scan$ does, though a node queued more', async () => {
    const s = clientOnReal(false);
    const client = await lastValueFrom(s.connect$);
    const viaScan = (await lastValueFrom(client.scan$('test', 'scan', { maxRecords: 25 }).pipe(toArray()))).length;
    const keys: number[] = [];
    for await (const record of client.scanIterable('test', 'scan', { maxRecords: 25 })) keys.push(record.bins['n'] as number);
    client.close();
    expect(viaScan).toBe(25);
    // before, it stopped once the nodes had queued 25 (about one record in) and dropped the queued rest
    expect(keys.length).toBe(25);
    expect(new Set(keys).size).toBe(25);
  });

  it('scanIterable with maxRecords and maxConcurrentNodes sends no node a request once maxRecords are queued', async () => {
    const fake = new FakeCluster({ nodes: ['A', 'B', 'C'] });
    fake.store.seed('test', 'scan', COUNT, 0);
    const client = await lastValueFrom(AerospikeClient.connect$(fake.clientOptions()));
    let n = 0;
    let error: unknown;
    try {
      // A's frame queues all 25 and B's records are skipped, so C starts while the slow loop is at
      // record 2 with none left to ask for (before, its request failed with a RangeError for maxRecords 0)
      for await (const _ of client.scanIterable('test', 'scan', { maxRecords: 25, maxConcurrentNodes: 2 })) {
        n++;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } catch (e) {
      error = e;
    }
    client.close();
    expect(error).toBeUndefined();
    expect(n).toBe(25);
    expect(fake.transport.calls('C').filter((c) => c.kind === 'stream').length).toBe(0);
  });

  it('scan$ emits the records before a final error, then fails with it', () => {
    const got: string[] = [];
    let error: unknown;
    runMarbles((r) => {
      const s = clientOn(r, { nodes: ['A'], replicationFactor: 1 });
      s.fake.transport.scriptStream('A', [asMsgFrame([scanRecord(1), scanRecord(2), lastRecord(ResultCode.SCAN_ABORT)])]);
      s.call((c) => c.scan$('test', 'scan')).subscribe({ next: (rec) => got.push(Buffer.from(rec.key.digest!).toString('hex')), error: (e: unknown) => (error = e) });
    });
    expect(got).toEqual([computeDigest('scan', 1).toString('hex'), computeDigest('scan', 2).toString('hex')]);
    expect((error as AerospikeError).resultCode).toBe(ResultCode.SCAN_ABORT);
  });

  it('scanIterable hands out the records before a final error, then throws it, as scan$ does', async () => {
    const fake = new FakeCluster({ nodes: ['A'], replicationFactor: 1 });
    const client = await lastValueFrom(AerospikeClient.connect$(fake.clientOptions()));
    // a non-retryable LAST after two records: the scan fails, and the two are the consumer's
    fake.transport.scriptStream('A', [asMsgFrame([scanRecord(1), scanRecord(2), lastRecord(ResultCode.SCAN_ABORT)])]);
    const got: string[] = [];
    let error: unknown;
    try {
      for await (const r of client.scanIterable('test', 'scan')) got.push(Buffer.from(r.key.digest!).toString('hex'));
    } catch (e) {
      error = e;
    }
    client.close();
    expect(got).toEqual([computeDigest('scan', 1).toString('hex'), computeDigest('scan', 2).toString('hex')]);
    expect((error as AerospikeError).resultCode).toBe(ResultCode.SCAN_ABORT);
  });

  it('scan$ and scanIterable hand out the records before a data record carrying an error code, then fail with it', async () => {
    const failed = asMsgRecord({ resultCode: ResultCode.SERVER_ERROR, fields: [{ type: FieldType.DIGEST_RIPE, data: computeDigest('scan', 2) }] });
    const frame = asMsgFrame([scanRecord(1), failed, scanRecord(3), lastRecord()]);
    const digest = (rec: AerospikeRecord) => Buffer.from(rec.key.digest!).toString('hex');
    const outcomes: { got: string[]; error: unknown }[] = [];
    runMarbles((r) => {
      const s = clientOn(r, { nodes: ['A'], replicationFactor: 1 });
      s.fake.transport.scriptStream('A', [frame]);
      const got: string[] = [];
      const outcome = { got, error: undefined as unknown };
      outcomes.push(outcome);
      s.call((c) => c.scan$('test', 'scan')).subscribe({ next: (rec) => got.push(digest(rec)), error: (e: unknown) => (outcome.error = e) });
    });
    const fake = new FakeCluster({ nodes: ['A'], replicationFactor: 1 });
    const client = await lastValueFrom(AerospikeClient.connect$(fake.clientOptions()));
    fake.transport.scriptStream('A', [frame]);
    const got: string[] = [];
    const outcome = { got, error: undefined as unknown };
    outcomes.push(outcome);
    try {
      for await (const rec of client.scanIterable('test', 'scan')) got.push(digest(rec));
    } catch (e) {
      outcome.error = e;
    }
    client.close();
    // before, the failed record was handed out as a record, then record 3, and the scan completed
    for (const { got: records, error } of outcomes) {
      expect(records).toEqual([computeDigest('scan', 1).toString('hex')]);
      expect((error as AerospikeError).resultCode).toBe(ResultCode.SERVER_ERROR);
    }
    expect(outcomes.length).toBe(2);
  });

  it('break out of scanIterable tears down every node\'s stream', async () => {
    const s = clientOnReal(false);
    const client = await lastValueFrom(s.connect$);
    // A sends a small frame every 5 ms, B and C never answer
    s.fake.cutStreams('A', 10_000, 1, 5);
    for (const n of ['B', 'C']) s.fake.transport.scriptStream(n, NEVER);
    for await (const record of client.scanIterable('test', 'scan')) {
      expect(record.key.namespace).toBe('test');
      break;
    }
    expect(['A', 'B', 'C'].map((n) => s.fake.transport.streamCloseCount(n))).toEqual([1, 1, 1]);
    client.close();
  });

  it('info$ asks one node (by name, or the nodes in turn); infoAll$ asks every node', () => {
    let one: unknown;
    let every: unknown;
    runMarbles((r) => {
      const s = clientOn(r);
      s.call((c) => c.info$(['node'], { node: 'B' })).subscribe((v) => (one = v['node']));
      s.call((c) => c.infoAll$(['node', 'build']).pipe(toArray())).subscribe((v) => (every = v.map((x) => `${x.node}:${x.reply['node']}:${x.reply['build']}`).sort()));
    });
    expect(one).toBe('B');
    expect(every).toEqual(['A:A:8.1.2.0', 'B:B:8.1.2.0', 'C:C:8.1.2.0']);
  });

  it('info$ of an unknown node fails with invalid_node naming the active ones', () => {
    runMarbles((r) => {
      const s = clientOn(r);
      r.expectObservable(s.call((c) => c.info$(['node'], { node: 'Z' }))).toBe('#', undefined, new AerospikeError('invalid_node', 'no active node named "Z" (active: A, B, C)'));
    });
  });

  it('truncate$ sends truncate-namespace, or truncate with a set, and maps an ERROR answer to its result code', () => {
    const sent: string[] = [];
    runMarbles((r) => {
      const s = clientOn(r, { nodes: ['A'], replicationFactor: 1 });
      s.fake.failInfo('A', 'truncate-namespace:namespace=test', { value: 'ok' });
      s.fake.failInfo('A', 'truncate:namespace=test;set=users', { value: 'ERROR:4:bad set' });
      r.expectObservable(s.call((c) => c.truncate$('test'))).toBe('(v|)', { v: undefined });
      r.expectObservable(s.call((c) => c.truncate$('test', 'users'))).toBe('#', undefined, new AerospikeError('parameter_error', 'truncate (bad set) failed: parameter_error (result code 4)'));
      r.at(1, () => sent.push(...s.fake.transport.calls('A').filter((c) => c.commands?.[0]?.startsWith('truncate') === true).map((c) => c.commands![0]!)));
    });
    expect(sent).toEqual(['truncate-namespace:namespace=test', 'truncate:namespace=test;set=users']);
  });
});

/** A client on a FakeCluster driven by the real async scheduler (scanIterable awaits Promises). */
function clientOnReal(cut: boolean): { fake: FakeCluster; connect$: Observable<AerospikeClient> } {
  const fake = new FakeCluster({ nodes: ['A', 'B', 'C'], scanFrameBytes: 64 });
  fake.store.seed('test', 'scan', COUNT, 0);
  if (cut) fake.cutStreams('A', 20);
  return { fake, connect$: AerospikeClient.connect$(fake.clientOptions()) };
}
