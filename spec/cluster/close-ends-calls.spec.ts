// close() ends every call in flight, at once (README Cancellation, Errors): one waiting for a pooled
// connection to open, one pausing between attempts (however long the pause), a batch mid-round, a scan
// whose consumer awaits the next record. Record commands end with client_closed, in doubt only when a
// write's request may have been applied. Marble specs on FakeClusters in virtual time; scanIterable
// awaits Promises, so its specs drive a VirtualTimeScheduler by hand.
import { mergeMap, NEVER, shareReplay, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { AerospikeClient } from '../../lib/client/aerospike-client';
import { executeBatch$ } from '../../lib/cluster/batch-executor';
import { Cluster } from '../../lib/cluster/cluster';
import type { NodePool } from '../../lib/cluster/node-pool';
import { AerospikeError } from '../../lib/errors';
import type { RecordKey } from '../../lib/protocol/requests';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { batchCommand, getCommand, KEY, putCommand, readPolicy, runMarbles, writePolicy, type Run } from './cluster-harness';
import { executorSetup } from './executor-harness';
import { clientOn } from '../client/client-harness';

const ROW = { name: 'Ada' };
const CLOSED = new AerospikeError('client_closed', 'the client is closed');
const KEYS: RecordKey[] = Array.from({ length: 6 }, (_, i) => ({ namespace: 'test', set: 'users', key: `u${i}` }));

/** A batch of KEYS on a three-node FakeCluster connected at 0 and closed at `closeAtMs`. */
function batchSetup(r: Run, closeAtMs: number) {
  const fake = new FakeCluster({ nodes: ['A', 'B', 'C'] });
  const connected$ = Cluster.connect$(fake.clientOptions()).pipe(shareReplay(1));
  connected$.subscribe();
  r.at(closeAtMs, () => connected$.subscribe((c) => c.close()));
  return { fake, batch: (policy = readPolicy()) => connected$.pipe(mergeMap((c) => executeBatch$(c, batchCommand(KEYS), policy))) };
}

/** The TestScheduler's actions still due to run. */
function armed(r: Run): number {
  return (r.scheduler as unknown as { actions: { closed: boolean }[] }).actions.filter((a) => !a.closed).length;
}

/** Scan streams node A was asked for. */
function streams(fake: FakeCluster): number {
  return fake.transport.calls('A').filter((c) => c.kind === 'stream').length;
}

/** A one-node client on a hand-driven virtual clock, for scanIterable. */
async function scanClient(): Promise<{ fake: FakeCluster; client: AerospikeClient; advance(toMs: number): Promise<void>; at(ms: number, fn: () => void): void }> {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const fake = new FakeCluster({ nodes: ['A'], replicationFactor: 1, scheduler });
  fake.store.seed('test', 'scan', 10, 0);
  const advance = async (toMs: number): Promise<void> => {
    // the scan's Promise steps run between flushes
    for (let i = 0; i < 20; i++) {
      scheduler.maxFrames = toMs;
      scheduler.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  let client: AerospikeClient | undefined;
  AerospikeClient.connect$(fake.clientOptions()).subscribe((c) => (client = c));
  await advance(0);
  return { fake, client: client!, advance, at: (ms, fn) => void scheduler.schedule(fn, ms) };
}

/**
 * Asks `records` for its first record at 0; at 5 ms checks the scan is waiting with one stream asked
 * for (nothing settled yet); closes the client at 10 ms. Returns how that next() settled, and when.
 */
async function nextAcrossCloseAt10(s: Awaited<ReturnType<typeof scanClient>>, records: AsyncIterable<unknown>): Promise<unknown> {
  let seen: unknown;
  records[Symbol.asyncIterator]()
    .next()
    .then(
      () => (seen = 'a record'),
      (error: AerospikeError) => (seen = { at: s.fake.scheduler.now(), code: error.code }),
    );
  await s.advance(5);
  expect({ seen, streams: streams(s.fake) }).toEqual({ seen: undefined, streams: 1 });
  s.at(10, () => s.client.close());
  await s.advance(10);
  return seen;
}

describe('close() ends every call in flight', () => {
  it('close() while a write waits for a pooled connection to open ends it at once with client_closed, not in doubt', () => {
    runMarbles((r) => {
      const s = executorSetup(r, { closeAtMs: 10 });
      s.fake.transport.scriptConnect('A', r.cold('500ms x'));
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy())).toBe('10ms #', undefined, CLOSED);
    });
  });

  it('close() drops a connect in progress for a call: the connect is unsubscribed and the pool holds nothing', () => {
    let state: unknown;
    runMarbles((r) => {
      const s = executorSetup(r, { closeAtMs: 10 });
      const connect = r.cold('500ms x');
      s.fake.transport.scriptConnect('A', connect);
      s.run(getCommand(), readPolicy()).subscribe({ error: () => undefined });
      r.expectSubscriptions(connect.subscriptions).toBe('^ 9ms !');
      let pool: NodePool | undefined;
      r.at(5, () => (pool = s.cluster().nodes.get('A')!.pool));
      r.at(11, () => (state = { open: pool!.stats().open, sockets: s.fake.transport.openConnections('A') }));
    });
    expect(state).toEqual({ open: 0, sockets: 0 });
  });

  it('close() during the pause between attempts ends a read at once with client_closed', () => {
    runMarbles((r) => {
      const s = executorSetup(r, { closeAtMs: 10 });
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'reset'));
      r.expectObservable(s.run(getCommand(), readPolicy({ totalTimeoutMs: 0, sleepBetweenRetriesMs: 1000 }))).toBe('10ms #', undefined, CLOSED);
    });
  });

  it('a call is among the cluster\'s sleepers only while it pauses: not after its retry, nor after its pause is cancelled', () => {
    const sizes: number[] = [];
    runMarbles((r) => {
      const s = executorSetup(r, { closeAtMs: 100 });
      const fail = new AerospikeError('network_error', 'reset');
      for (let i = 0; i < 3; i++) s.fake.transport.scriptCommand('A', fail);
      s.fake.transport.setDefaultReply('command', asMsgRecord({ generation: 1 }));
      const pausing = { totalTimeoutMs: 0, sleepBetweenRetriesMs: 5 };
      // a read that pauses once, then is served; one whose pause is cut short by its unsubscribe
      r.at(1, () => s.run(getCommand(), readPolicy(pausing)).subscribe());
      r.at(2, () => sizes.push(s.cluster().sleepers.size));
      r.at(10, () => sizes.push(s.cluster().sleepers.size));
      r.at(20, () => {
        const sub = s.run(getCommand(), readPolicy(pausing)).subscribe();
        sizes.push(s.cluster().sleepers.size);
        sub.unsubscribe();
        sizes.push(s.cluster().sleepers.size);
      });
    });
    expect(sizes).toEqual([1, 0, 1, 0]);
  });

  it('close() during the pause after a write\'s in-doubt attempt ends it at once with client_closed, in doubt, caused by that attempt\'s error', () => {
    let seen: { at: number; error: AerospikeError } | undefined;
    runMarbles((r) => {
      const s = executorSetup(r, { closeAtMs: 100 });
      s.fake.transport.scriptCommand('A', NEVER);
      s.run(putCommand(KEY, ROW), writePolicy({ totalTimeoutMs: 0, socketTimeoutMs: 30, maxRetries: 2, sleepBetweenRetriesMs: 1000 })).subscribe({
        error: (error: AerospikeError) => (seen = { at: r.scheduler.now(), error }),
      });
    });
    const { at, error } = seen!;
    expect({ at, code: error.code, message: error.message, inDoubt: error.inDoubt, node: error.node }).toEqual({ at: 100, code: 'client_closed', message: 'the client is closed', inDoubt: true, node: 'A' });
    expect((error.cause as AerospikeError).code).toBe('timeout');
  });

  it('close() during a pause of 2^31+10000 ms ends the call at close and leaves nothing scheduled', () => {
    let left = -1;
    let sleepers = -1;
    runMarbles((r) => {
      const s = executorSetup(r, { closeAtMs: 10 });
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'reset'));
      r.expectObservable(s.run(getCommand(), readPolicy({ totalTimeoutMs: 0, sleepBetweenRetriesMs: 2 ** 31 + 10_000 }))).toBe('10ms #', undefined, CLOSED);
      r.at(11, () => {
        left = armed(r);
        sleepers = s.cluster().sleepers.size;
      });
    });
    expect({ left, sleepers }).toEqual({ left: 0, sleepers: 0 });
  });

  it('close() while a batch waits for its connections to open ends it at once with client_closed', () => {
    runMarbles((r) => {
      const s = batchSetup(r, 10);
      // after the first tend, which connects to B and C
      r.at(1, () => {
        for (const n of ['A', 'B', 'C']) s.fake.transport.scriptConnect(n, r.cold('500ms x'));
      });
      r.expectObservable(r.cold('--x').pipe(mergeMap(() => s.batch()))).toBe('10ms #', undefined, CLOSED);
    });
  });

  it('close() while a batch awaits its node replies ends it at once with client_closed', () => {
    runMarbles((r) => {
      const s = batchSetup(r, 10);
      for (const n of ['A', 'B', 'C']) s.fake.transport.scriptCommandStream(n, NEVER);
      r.expectObservable(s.batch()).toBe('10ms #', undefined, CLOSED);
    });
  });

  it('close() during the pause between batch rounds ends the batch at once with client_closed', () => {
    runMarbles((r) => {
      const s = batchSetup(r, 10);
      for (const n of ['A', 'B', 'C']) s.fake.transport.scriptCommandStream(n, new AerospikeError('network_error', 'reset'));
      r.expectObservable(s.batch(readPolicy({ totalTimeoutMs: 0, sleepBetweenRetriesMs: 1000 }))).toBe('10ms #', undefined, CLOSED);
    });
  });

  it('close() during the pause between scan$ passes ends the scan at once with client_closed', () => {
    runMarbles((r) => {
      const s = clientOn(r, { nodes: ['A'], replicationFactor: 1 }, {}, 10);
      s.fake.store.seed('test', 'scan', 10, 0);
      s.fake.transport.scriptStream('A', new AerospikeError('network_error', 'reset'));
      r.expectObservable(s.call((c) => c.scan$('test', 'scan', { sleepBetweenRetriesMs: 1000 }))).toBe('10ms #', undefined, CLOSED);
    });
  });

  it('close() during the pause between scanIterable passes rejects the waiting next() at once with client_closed', async () => {
    const s = await scanClient();
    s.fake.transport.scriptStream('A', new AerospikeError('network_error', 'reset'));
    // the first pass failed: the scan pauses
    expect(await nextAcrossCloseAt10(s, s.client.scanIterable('test', 'scan', { sleepBetweenRetriesMs: 1000 }))).toEqual({ at: 10, code: 'client_closed' });
  });

  it('close() while a scanIterable consumer awaits the next record rejects it at once with client_closed', async () => {
    const s = await scanClient();
    s.fake.transport.scriptStream('A', NEVER);
    // the stream is open, its first frame yet to come
    expect(await nextAcrossCloseAt10(s, s.client.scanIterable('test', 'scan'))).toEqual({ at: 10, code: 'client_closed' });
  });
});
