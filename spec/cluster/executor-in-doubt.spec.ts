// In-doubt writes and close() (client-design.md §C5, design.md §2): a write's error is inDoubt when
// any of its attempts may have reached a server (a timeout, a reply that could not be parsed, close()
// while its request was out), and not when no request left the client or a definite answer came.
// Marble specs on a two-node FakeCluster (A master, B prole of every partition) in virtual time.
import { mergeMap, NEVER } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { getCommand, KEY, putCommand, readPolicy, runMarbles, writePolicy } from './cluster-harness';
import { executorSetup } from './executor-harness';

const rc = (resultCode: number) => asMsgRecord({ resultCode });
const ROW = { name: 'Ada' };

describe('Executor: in-doubt writes and close()', () => {
  it('a write that timed out with no retry left is in doubt', () => {
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', NEVER);
      const error = new AerospikeError('timeout', 'command read on A timed out after 30 ms', { inDoubt: true });
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy({ socketTimeoutMs: 30 }))).toBe('30ms #', undefined, error);
    });
  });

  it('a write whose connection was refused on every replica is not in doubt', () => {
    runMarbles((r) => {
      const s = executorSetup(r);
      r.at(1, () => {
        s.fake.kill('A');
        s.fake.kill('B');
      });
      const error = new AerospikeError('connection_error', 'connection refused by 10.0.0.1:3000 (node A is disconnected)', { inDoubt: false });
      r.expectObservable(r.cold('--x').pipe(mergeMap(() => s.run(putCommand(KEY, ROW), writePolicy())))).toBe('--#', undefined, error);
    });
  });

  it('a write in doubt on one attempt stays in doubt when later attempts fail before sending', () => {
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', NEVER);
      r.at(3, () => {
        // the reply never comes: the connection dies mid-command, then nothing accepts connections
        s.fake.kill('B');
        s.fake.kill('A');
      });
      // A: in doubt (maxRetries 1 used); B and A refuse (free retries); B refuses again: retries are used up
      const error = new AerospikeError('connection_error', 'connection refused by 10.0.0.2:3000 (node B is disconnected)', { inDoubt: true });
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy({ maxRetries: 1 }))).toBe('3ms #', undefined, error);
    });
  });

  it('a write that met a server timeout (result 9) is in doubt', () => {
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', rc(9));
      const error = new AerospikeError('timeout', 'put failed: timeout (result code 9)', { inDoubt: true });
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy())).toBe('#', undefined, error);
    });
  });

  it('a write that failed with key busy is not in doubt', () => {
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', rc(14));
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy())).toBe('#', undefined, new AerospikeError('key_busy', 'put failed: key_busy (result code 14)'));
    });
  });

  it('a write whose reply did not come within the total budget is in doubt', () => {
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', NEVER);
      const error = new AerospikeError('timeout', 'command read on A timed out after 100 ms', { inDoubt: true });
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy({ totalTimeoutMs: 100, socketTimeoutMs: 0 }))).toBe('100ms #', undefined, error);
    });
  });

  it('a command on a closed cluster fails with client_closed', () => {
    runMarbles((r) => {
      const s = executorSetup(r);
      r.at(1, () => s.cluster().close());
      r.expectObservable(r.cold('--x').pipe(mergeMap(() => s.cluster().execute$(getCommand(), readPolicy())))).toBe('--#', undefined, new AerospikeError('client_closed', 'the client is closed'));
    });
  });

  it('close() during a read ends it with client_closed, not in doubt', () => {
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', NEVER);
      r.at(10, () => s.cluster().close());
      const error = new AerospikeError('client_closed', 'the client is closed');
      r.expectObservable(s.run(getCommand(), readPolicy())).toBe('10ms #', undefined, error);
    });
  });

  it('close() while a write is in flight ends it with client_closed, in doubt, caused by the attempt\'s error', () => {
    let seen: { at: number; error: AerospikeError } | undefined;
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', NEVER);
      r.at(10, () => s.cluster().close());
      s.run(putCommand(KEY, ROW), writePolicy({ maxRetries: 2 })).subscribe({ error: (error: AerospikeError) => (seen = { at: r.scheduler.now(), error }) });
    });
    const { at, error } = seen!;
    expect({ at, code: error.code, message: error.message, inDoubt: error.inDoubt, node: error.node }).toEqual({ at: 10, code: 'client_closed', message: 'the client is closed', inDoubt: true, node: 'A' });
    expect(error.cause).toEqual(jasmine.any(AerospikeError));
    expect((error.cause as AerospikeError).code).toBe('network_error');
  });

  it('a write whose reply cannot be parsed is in doubt, and its connection is closed instead of going back to the pool', () => {
    let stats: unknown;
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', Buffer.from([1, 2, 3]));
      const error = new AerospikeError('parse_error', 'truncated as_msg record at offset 0: need 22 header bytes, have 3', { inDoubt: true });
      r.expectObservable(s.run(putCommand(KEY, ROW), writePolicy())).toBe('#', undefined, error);
      r.at(1, () => (stats = { pool: s.cluster().nodes.get('A')!.pool.stats(), closes: s.fake.transport.closeCount('A') }));
    });
    expect(stats).toEqual({ pool: { open: 0, idle: 0, inUse: 0, opened: 1, connectFailures: 0, closed: 1 }, closes: 1 });
  });

  it('a read whose reply cannot be parsed closes its connection instead of returning it to the pool', () => {
    let idle = -1;
    runMarbles((r) => {
      const s = executorSetup(r);
      s.fake.transport.scriptCommand('A', Buffer.from([1, 2, 3]));
      s.run(getCommand(), readPolicy()).subscribe({ error: () => undefined });
      r.at(1, () => (idle = s.cluster().nodes.get('A')!.pool.stats().idle));
    });
    expect(idle).toBe(0);
  });
});
