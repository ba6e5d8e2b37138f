// The attempt loop (client-design.md §C5, cluster.md §7): one `it` per row of the retry table, the
// budgets and cancellation, as marble specs on a two-node FakeCluster (A master, B prole of every
// partition) in virtual time. In-doubt writes and close(): executor-in-doubt.spec.ts; retries after
// the walk skipped replicas: executor-replica-walk.spec.ts.
import { mergeMap, NEVER, shareReplay, type Observable } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import type { KeyCommand } from '../../lib/cluster/executor';
import type { ResolvedPolicy } from '../../lib/cluster/policy';
import { AerospikeError } from '../../lib/errors';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { getCommand, KEY, putCommand, readPolicy, runMarbles, writePolicy, type Run } from './cluster-harness';

const OK = asMsgRecord({ generation: 1 });
const rc = (resultCode: number) => asMsgRecord({ resultCode });
const ROW = { name: 'Ada' };

interface Setup {
  readonly fake: FakeCluster;
  /** The command's result, run on a connected cluster at time 0 (the tend takes no virtual time). */
  run<T>(command: KeyCommand<T>, policy: ResolvedPolicy): Observable<T>;
  cluster(): Cluster;
}

function setup(r: Run, nodes: readonly string[] = ['A', 'B'], closeAtMs = 10_000, latencyMs = 0): Setup {
  const fake = new FakeCluster({ nodes, ownership: nodes.slice(0, 2), latencyMs });
  let cluster: Cluster | undefined;
  const connected$ = Cluster.connect$(fake.clientOptions()).pipe(shareReplay(1));
  connected$.subscribe((c) => (cluster = c));
  r.at(closeAtMs, () => cluster?.close());
  return {
    fake,
    cluster: () => cluster!,
    run: (command, policy) => connected$.pipe(mergeMap((c) => c.execute$(command, policy))),
  };
}

function commandNodes(fake: FakeCluster): string[] {
  const out: { at: number; node: string }[] = [];
  for (const node of ['A', 'B']) for (const call of fake.transport.calls(node)) if (call.kind === 'command') out.push({ at: out.length, node });
  return out.map((c) => c.node);
}

describe('Executor: retries, budgets, in-doubt and cancellation', () => {
  it('a read retries on the prole when the master times out', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', NEVER);
      s.fake.transport.scriptCommand('B', OK);
      r.expectObservable(s.run(getCommand(), readPolicy({ socketTimeoutMs: 50 }))).toBe('50ms (v|)', { v: {} });
    });
  });

  it('a read retries on the prole after a network error from the master', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', r.cold('10ms #', undefined, new AerospikeError('network_error', 'reset')));
      s.fake.transport.scriptCommand('B', r.cold('5ms r|', { r: OK }));
      r.expectObservable(s.run(getCommand(), readPolicy())).toBe('15ms (v|)', { v: {} });
    });
  });

  it('a read goes to the prole at once when the master refuses connections', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = setup(r);
      r.at(1, () => s.fake.kill('A'));
      s.fake.transport.scriptCommand('B', OK);
      r.expectObservable(r.cold('--x|').pipe(mergeMap(() => s.run(getCommand(), readPolicy({ maxRetries: 0 }))))).toBe('--v|', { v: {} });
      r.at(3, () => (nodes = commandNodes(s.fake)));
    });
    // the refused connect never sent anything, so even with maxRetries 0 the prole is tried
    expect(nodes).toEqual(['B']);
  });

  it('keeps reads off a node whose connects were refused within the last second', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = setup(r);
      r.at(1, () => s.fake.kill('A'));
      s.fake.transport.setDefaultReply('command', OK);
      const read$ = () => s.run(getCommand(), readPolicy());
      r.at(2, () => read$().subscribe());
      r.at(500, () => read$().subscribe());
      r.at(1600, () => read$().subscribe());
      r.at(1700, () => (nodes = commandNodes(s.fake)));
    });
    // 2 ms: A refused, B served; 500 ms: B straight away; 1600 ms: A is tried again (refused), then B
    expect(nodes).toEqual(['B', 'B', 'B']);
  });

  it('a write retried after a network error moves to the prole', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'reset'));
      s.fake.transport.scriptCommand('B', OK);
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy({ maxRetries: 1 }))).toBe('(v|)', { v: 1 });
      r.at(1, () => (nodes = commandNodes(s.fake)));
    });
    expect(nodes).toEqual(['A', 'B']);
  });

  it('a write retried after a timeout stays on the master', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', NEVER);
      s.fake.transport.scriptCommand('A', OK);
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy({ maxRetries: 1, socketTimeoutMs: 30 }))).toBe('30ms (v|)', { v: 1 });
      r.at(31, () => (nodes = commandNodes(s.fake)));
    });
    expect(nodes).toEqual(['A', 'A']);
  });

  it('retries a server timeout (result 9) and counts it against the node\'s error rate', () => {
    let errors = -1;
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', rc(9));
      s.fake.transport.scriptCommand('B', OK);
      r.expectObservable(s.run(getCommand(), readPolicy())).toBe('(v|)', { v: {} });
      r.at(1, () => (errors = s.cluster().nodes.get('A')!.errorCount));
    });
    expect(errors).toBe(1);
  });

  it('retries key busy (14) and device overload (18) on the same write node', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', rc(14));
      s.fake.transport.scriptCommand('A', rc(18));
      s.fake.transport.scriptCommand('A', OK);
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy({ maxRetries: 2 }))).toBe('(v|)', { v: 1 });
      r.at(1, () => (nodes = commandNodes(s.fake)));
    });
    expect(nodes).toEqual(['A', 'A', 'A']);
  });

  it('partition unavailable (11) retries on the next replica and asks for an early tend; requests during a tend queue at most one more', () => {
    let tends: number[] = [];
    runMarbles((r) => {
      const s = setup(r, ['A', 'B'], 10_000, 1);
      s.fake.transport.scriptCommand('A', rc(11));
      s.fake.transport.scriptCommand('A', rc(11));
      s.fake.transport.scriptCommand('B', OK);
      s.fake.transport.scriptCommand('B', OK);
      r.at(100, () => {
        s.run(getCommand(), readPolicy()).subscribe();
        s.run(getCommand(), readPolicy()).subscribe();
      });
      r.at(99, () => tends.push(s.cluster().stats().tends));
      r.at(999, () => tends.push(s.cluster().stats().tends));
    });
    // the first rc 11 starts a tend at once; the second, arriving while it runs, queues one more
    expect(tends).toEqual([1, 3]);
  });

  it('does not retry other result codes', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', rc(5));
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy({ maxRetries: 3 }))).toBe('#', undefined, new AerospikeError('key_exists', 'put failed: key_exists (result code 5)'));
    });
  });

  it('does not retry a parse error', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', Buffer.from([1, 2, 3]));
      r.expectObservable(s.run(getCommand(), readPolicy())).toBe(
        '#',
        undefined,
        new AerospikeError('parse_error', 'truncated as_msg record at offset 0: need 22 header bytes, have 3'),
      );
    });
  });

  it('with maxRetries 0 returns the first error', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', r.cold('3ms #', undefined, new AerospikeError('network_error', 'first')));
      r.expectObservable(s.run(getCommand(), readPolicy({ maxRetries: 0 }))).toBe('3ms #', undefined, new AerospikeError('network_error', 'first'));
    });
  });

  it('when retries are used up, returns the last error with the node of the last attempt', () => {
    let node: string | undefined;
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'one'));
      s.fake.transport.scriptCommand('B', new AerospikeError('network_error', 'two'));
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'three'));
      s.run(getCommand(), readPolicy({ maxRetries: 2 })).subscribe({ error: (e: AerospikeError) => (node = `${e.message}@${e.node}`) });
    });
    expect(node).toBe('three@A');
  });

  it('sleeps sleepBetweenRetriesMs on the scheduler between attempts', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'reset'));
      s.fake.transport.scriptCommand('B', new AerospikeError('network_error', 'reset'));
      s.fake.transport.scriptCommand('A', OK);
      r.expectObservable(s.run(getCommand(), readPolicy({ sleepBetweenRetriesMs: 100 }))).toBe('200ms (v|)', { v: {} });
    });
  });

  it('stops when the pause before the next attempt would spend the total budget, returning the last error', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', r.cold('50ms #', undefined, new AerospikeError('network_error', 'reset')));
      r.expectObservable(s.run(getCommand(), readPolicy({ totalTimeoutMs: 100, sleepBetweenRetriesMs: 60 }))).toBe('50ms #', undefined, new AerospikeError('network_error', 'reset'));
    });
  });

  it('each read deadline is min(socketTimeoutMs, what is left of the total)', () => {
    let deadlines: number[] = [];
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', NEVER);
      s.fake.transport.scriptCommand('B', NEVER);
      s.fake.transport.scriptCommand('A', NEVER);
      s.run(getCommand(), readPolicy({ totalTimeoutMs: 100, socketTimeoutMs: 40 })).subscribe({ error: () => undefined });
      r.at(200, () => (deadlines = ['A', 'B'].flatMap((n) => s.fake.transport.calls(n).filter((c) => c.kind === 'command').map((c) => c.deadlineMs))));
    });
    // A at 0: 40; B at 40: 40; A again at 80: the 20 ms left
    expect(deadlines.sort((a, b) => a - b)).toEqual([20, 40, 40]);
  });

  it('ends with a timeout naming the total budget when it runs out while a connection is being opened; nothing was sent', () => {
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptConnect('A', r.cold('500ms x'));
      const error = new AerospikeError('timeout', 'put exceeded its total timeout of 100 ms (attempt 1)', { inDoubt: false });
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy({ totalTimeoutMs: 100 }))).toBe('100ms #', undefined, error);
    });
  });

  it('with the master policy every attempt goes to the master', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'one'));
      s.fake.transport.scriptCommand('A', OK);
      s.run(getCommand(), readPolicy({ replica: 'master' })).subscribe();
      r.at(1, () => (nodes = commandNodes(s.fake)));
    });
    expect(nodes).toEqual(['A', 'A']);
  });

  it('a node over its error rate is skipped with max_error_rate and the read is served by the next replica', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('B', OK);
      r.at(1, () => {
        s.cluster().nodes.get('A')!.errorCount = 101;
        s.run(getCommand(), readPolicy({ maxRetries: 0 })).subscribe();
      });
      r.at(2, () => (nodes = commandNodes(s.fake)));
    });
    expect(nodes).toEqual(['B']);
  });

  it('the error rate is forgotten every errorRateWindow tends', () => {
    const rates: number[] = [];
    runMarbles((r) => {
      const s = setup(r);
      r.at(500, () => (s.cluster().nodes.get('A')!.errorCount = 7));
      r.at(999, () => rates.push(s.cluster().nodes.get('A')!.errorCount));
      r.at(1001, () => rates.push(s.cluster().nodes.get('A')!.errorCount));
    });
    expect(rates).toEqual([7, 0]);
  });

  it('an unknown namespace fails with invalid_node naming it', () => {
    runMarbles((r) => {
      const s = setup(r);
      const error = new AerospikeError('invalid_node', 'namespace "nope" is not in the partition map (unknown namespace, or the cluster is empty)');
      r.expectObservable(s.run(getCommand({ namespace: 'nope', set: 's', key: 1 }), readPolicy())).toBe('#', undefined, error);
    });
  });

  it('unsubscribing during the pause between attempts makes no further attempt', () => {
    let commands = -1;
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'reset'));
      s.fake.transport.scriptCommand('B', OK);
      const sub = s.run(getCommand(), readPolicy({ sleepBetweenRetriesMs: 100 })).subscribe();
      r.at(50, () => sub.unsubscribe());
      r.at(500, () => (commands = commandNodes(s.fake).length));
    });
    expect(commands).toBe(1);
  });

  it('unsubscribing while the connection is being opened sends nothing and leaves nothing open', () => {
    let state: unknown;
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.scriptConnect('A', r.cold('20ms x'));
      const sub = s.run(getCommand(), readPolicy()).subscribe();
      r.at(10, () => sub.unsubscribe());
      r.at(100, () => (state = { commands: commandNodes(s.fake).length, pool: s.cluster().nodes.get('A')!.pool.stats().open }));
    });
    expect(state).toEqual({ commands: 0, pool: 0 });
  });

  it('unsubscribing mid-reply destroys that connection and never returns it to the pool', () => {
    let state: unknown;
    runMarbles((r) => {
      const s = setup(r);
      const reply = r.cold('50ms r|', { r: OK });
      s.fake.transport.scriptCommand('A', reply);
      const sub = s.run(getCommand(), readPolicy()).subscribe();
      r.at(20, () => sub.unsubscribe());
      r.at(30, () => (state = { pool: s.cluster().nodes.get('A')!.pool.stats(), closed: s.fake.transport.closeCount('A') > 0 }));
      r.expectSubscriptions(reply.subscriptions).toBe('^ 19ms !');
    });
    expect(state).toEqual({ pool: { open: 0, idle: 0, inUse: 0, opened: 1, connectFailures: 0, closed: 1 }, closed: true });
  });

  it('a connection whose command completed goes back to the pool and is reused', () => {
    let stats: unknown;
    runMarbles((r) => {
      const s = setup(r);
      s.fake.transport.setDefaultReply('command', OK);
      r.at(1, () => s.run(getCommand(), readPolicy()).subscribe());
      r.at(2, () => s.run(getCommand(), readPolicy()).subscribe());
      r.at(3, () => (stats = s.cluster().nodes.get('A')!.pool.stats()));
    });
    expect(stats).toEqual({ open: 1, idle: 1, inUse: 0, opened: 1, connectFailures: 0, closed: 0 });
  });
});
