// Node pools (cluster.md §8.3, J): LIFO reuse, the maxConns cap without waiting, idle expiry,
// discards, warm-up to minConns and close, on a FakeTransport in virtual time.
import { firstValueFrom, type Observable } from 'rxjs';
import { NodePool, type PoolLimits } from '../../lib/cluster/node-pool';
import { AerospikeError } from '../../lib/errors';
import type { Connection } from '../../lib/node-transport';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { runMarbles } from './cluster-harness';

function pool(fake: FakeTransport, limits: Partial<PoolLimits> = {}): NodePool {
  return new NodePool('A', fake, fake['scheduler' as keyof FakeTransport] as never, { minConns: 0, maxConns: 3, maxIdleMs: 1000, ...limits }, () => fake.connect$('10.0.0.1', 3000));
}

function take(p: NodePool): Connection {
  let conn: Connection | undefined;
  let error: unknown;
  p.checkout$().subscribe({ next: (c) => (conn = c), error: (e) => (error = e) });
  if (error !== undefined) throw error;
  return conn!;
}

describe('NodePool', () => {
  let fake: FakeTransport;
  beforeEach(() => (fake = new FakeTransport({ nodes: [{ id: 'A', host: '10.0.0.1', port: 3000 }] })));

  it('reuses the most recently returned idle connection first', () => {
    runMarbles(() => {
      const p = pool(fake);
      const [one, two] = [take(p), take(p)];
      p.release(one);
      p.release(two);
      expect(take(p)).toBe(two);
      expect(take(p)).toBe(one);
      expect(fake.connectCount('A')).toBe(2);
    });
  });

  it('opens up to maxConns, then fails at once with no_more_connections', () => {
    runMarbles(() => {
      const p = pool(fake, { maxConns: 2 });
      take(p);
      take(p);
      expect(() => take(p)).toThrow(new AerospikeError('no_more_connections', 'node A has 2 connections open, the maxConnsPerNode limit'));
      expect(p.stats()).toEqual({ open: 2, idle: 0, inUse: 2, opened: 2, connectFailures: 0, closed: 0 });
    });
  });

  it('never keeps a discarded connection, and closes it', () => {
    runMarbles(() => {
      const p = pool(fake);
      const conn = take(p);
      p.discard(conn);
      expect(p.stats()).toEqual({ open: 0, idle: 0, inUse: 0, opened: 1, connectFailures: 0, closed: 1 });
      expect(conn.isOpen).toBeFalse();
    });
  });

  it('never hands out a connection that died while idle', () => {
    runMarbles(() => {
      const p = pool(fake);
      const conn = take(p);
      p.release(conn);
      fake.disconnect('A');
      fake.reconnect('A');
      const next = take(p);
      expect(next).not.toBe(conn);
      expect(next.isOpen).toBeTrue();
    });
  });

  it('closes a connection idle longer than maxIdleMs at checkout and opens another', () => {
    runMarbles(({ at }) => {
      const p = pool(fake, { maxIdleMs: 100 });
      const conn = take(p);
      p.release(conn);
      at(101, () => {
        const next = take(p);
        expect(next).not.toBe(conn);
        expect(conn.isOpen).toBeFalse();
      });
    });
  });

  it('trims idle connections past maxIdleMs, oldest first, keeping minConns', () => {
    runMarbles(({ at }) => {
      const p = pool(fake, { minConns: 1, maxIdleMs: 100 });
      const [a, b, c] = [take(p), take(p), take(p)];
      p.release(a);
      at(60, () => p.release(b));
      at(70, () => p.release(c));
      at(155, () => expect(p.trimIdle()).toBe(1));
      at(200, () => {
        expect(p.trimIdle()).toBe(1);
        expect(p.stats().idle).toBe(1);
        expect([a.isOpen, b.isOpen, c.isOpen]).toEqual([false, false, true]);
      });
    });
  });

  it('hands out the connections a trim kept most recently returned first', () => {
    runMarbles(({ at }) => {
      const p = pool(fake, { maxIdleMs: 100 });
      const [a, b, c] = [take(p), take(p), take(p)];
      p.release(a);
      at(60, () => p.release(b));
      at(70, () => p.release(c));
      at(155, () => {
        expect(p.trimIdle()).toBe(1);
        expect([take(p), take(p)]).toEqual([c, b]);
        expect(p.stats()).toEqual({ open: 2, idle: 0, inUse: 2, opened: 3, connectFailures: 0, closed: 1 });
      });
    });
  });

  it('ignores a release or discard of a connection it has not handed out', () => {
    runMarbles(() => {
      const p = pool(fake);
      const [one, two] = [take(p), take(p)];
      p.release(one);
      p.release(one);
      p.discard(one);
      expect(one.isOpen).toBeTrue();
      p.release(two);
      expect(p.stats()).toEqual({ open: 2, idle: 2, inUse: 0, opened: 2, connectFailures: 0, closed: 0 });
      expect([take(p), take(p)]).toEqual([two, one]);
    });
  });

  it('counts a connection released with its use start time as idle from then, never before an older idle one', () => {
    runMarbles(({ at }) => {
      const p = pool(fake, { maxIdleMs: 100 });
      const [a, b, c] = [take(p), take(p), take(p)];
      at(50, () => p.release(a, 40));
      at(60, () => p.release(b, 10));
      at(70, () => p.release(c, 40));
      // b counts from 40 (a is below it), not 10: still usable at 111
      at(111, () => expect(take(p)).toBe(c));
      at(112, () => expect(take(p)).toBe(b));
      at(113, () => p.release(b, 40));
      // idle from 40, not from 50 and 113 when they came back
      at(140, () => expect(p.trimIdle()).toBe(0));
      at(141, () => {
        expect(p.trimIdle()).toBe(2);
        expect([a.isOpen, b.isOpen]).toEqual([false, false]);
      });
    });
  });

  it('a checkout cut short while connecting gives its slot back', () => {
    runMarbles(({ cold, at }) => {
      fake.scriptConnect('A', cold('50ms x'));
      const p = pool(fake, { maxConns: 1 });
      const sub = p.checkout$().subscribe();
      at(10, () => {
        sub.unsubscribe();
        expect(p.stats().open).toBe(0);
        expect(take(p).isOpen).toBeTrue();
      });
    });
  });

  it('a failed connect gives its slot back and counts the failure', () => {
    runMarbles(() => {
      fake.scriptConnect('A', new AerospikeError('connection_error', 'refused'));
      const p = pool(fake, { maxConns: 1 });
      expect(() => take(p)).toThrow(new AerospikeError('connection_error', 'refused'));
      expect(p.stats()).toEqual({ open: 0, idle: 0, inUse: 0, opened: 0, connectFailures: 1, closed: 0 });
    });
  });

  it('warm$ opens a connection straight into the idle list', () => {
    runMarbles(() => {
      const p = pool(fake, { minConns: 2 });
      expect(p.missingMin()).toBe(2);
      p.warm$().subscribe();
      expect(p.stats()).toEqual({ open: 1, idle: 1, inUse: 0, opened: 1, connectFailures: 0, closed: 0 });
      expect(p.missingMin()).toBe(1);
    });
  });

  it('close() closes idle connections now, in-use ones when they come back, and refuses checkouts', async () => {
    const p = pool(fake);
    const [idle, busy] = [await firstValueFrom(p.checkout$()), await firstValueFrom(p.checkout$())];
    p.release(idle);
    p.close();
    expect(idle.isOpen).toBeFalse();
    expect(busy.isOpen).toBeTrue();
    p.release(busy);
    expect(busy.isOpen).toBeFalse();
    await expectAsync(firstValueFrom(p.checkout$() as Observable<Connection>)).toBeRejectedWith(new AerospikeError('invalid_node', 'node A is no longer in the cluster'));
  });

  it('close(true) cuts short a connect in progress: its socket is dropped, its slot given back, its checkout failed at once', () => {
    runMarbles(({ cold, at, expectSubscriptions }) => {
      const connect = cold('500ms x');
      fake.scriptConnect('A', connect);
      const p = pool(fake);
      const seen: unknown[] = [];
      p.checkout$().subscribe({ next: (c) => seen.push(c), error: (e: AerospikeError) => seen.push({ code: e.code, message: e.message }) });
      at(10, () => {
        p.close(true);
        expect(seen).toEqual([{ code: 'invalid_node', message: 'node A is no longer in the cluster' }]);
        expect(p.stats()).toEqual({ open: 0, idle: 0, inUse: 0, opened: 0, connectFailures: 0, closed: 0 });
      });
      expectSubscriptions(connect.subscriptions).toBe('^ 9ms !');
    });
  });

  it('close(true) also closes the connections in use', async () => {
    const p = pool(fake);
    const busy = await firstValueFrom(p.checkout$());
    p.close(true);
    expect(busy.isOpen).toBeFalse();
  });
});
