// FakeCluster's tend faults: failLogin, the 'missing' info fault, failInfo limited to requests that
// also ask another name, and FakeTransport.openConnections (what a client still holds open).
import { concat, tap } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import type { Connection, InfoReply, LoginReply } from '../../lib/node-transport';
import { ResultCode } from '../../lib/protocol/result-codes';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { testScheduler } from './marble-helpers';

interface Seen {
  readonly value?: unknown;
  readonly error?: string;
  readonly atMs: number;
}

describe('FakeCluster faults', () => {
  /** Runs `body` in virtual time with a one-node cluster and a connection to it. */
  function withNode(body: (fake: FakeCluster, conn: Connection, record: (what: string) => (seen: Seen) => void, now: () => number) => void): Record<string, Seen[]> {
    const log: Record<string, Seen[]> = {};
    const ts = testScheduler();
    ts.run(() => {
      const fake = new FakeCluster({ nodes: ['A'], sessionTtlSeconds: 60 });
      fake.transport.connect$('10.0.0.1', 3000, { connectTimeoutMs: 100 }).subscribe((conn) =>
        body(fake, conn, (what) => (seen) => (log[what] ??= []).push(seen), () => ts.now()),
      );
    });
    return log;
  }

  function login(fake: FakeCluster, conn: Connection, now: () => number, into: (seen: Seen) => void): void {
    fake.transport.login$(conn, { user: 'u', password: 'p' }).subscribe({
      next: (reply: LoginReply) => into({ value: reply.kind === 'session' ? reply.token.toString() : reply.kind, atMs: now() }),
      error: (e: AerospikeError) => into({ error: e.code, atMs: now() }),
    });
  }

  it('failLogin answers the next logins with the fault, then sessions again, and counts only the sessions', () => {
    let logins = -1;
    const log = withNode((fake, conn, record, now) => {
      fake.failLogin('A', AerospikeError.fromResultCode(ResultCode.INVALID_CREDENTIAL, 'login'), 2);
      login(fake, conn, now, record('first'));
      fake.transport.connect$('10.0.0.1', 3000).subscribe((c) => login(fake, c, now, record('second')));
      fake.transport.connect$('10.0.0.1', 3000).subscribe((c) => login(fake, c, now, record('third')));
      logins = fake.loginCount('A');
    });
    expect(log).toEqual({ first: [{ error: 'invalid_credential', atMs: 0 }], second: [{ error: 'invalid_credential', atMs: 0 }], third: [{ value: 'token-A-1', atMs: 0 }] });
    expect(logins).toBe(1);
  });

  it("failLogin 'timeout' never answers: login$ ends with timeout at its deadline", () => {
    const log = withNode((fake, conn, record, now) => {
      fake.failLogin('A', 'timeout');
      login(fake, conn, now, record('login'));
    });
    expect(log).toEqual({ login: [{ error: 'timeout', atMs: 100 }] });
  });

  it("the 'missing' info fault answers without that name; the other names are answered", () => {
    const log = withNode((fake, conn, record, now) => {
      fake.failInfo('A', 'node', 'missing');
      const ask = (what: string) => fake.transport.info$(conn, ['node', 'partition-generation']).pipe(tap((reply: InfoReply) => record(what)({ value: { ...reply }, atMs: now() })));
      concat(ask('first'), ask('second')).subscribe();
    });
    expect(log).toEqual({
      first: [{ value: { 'partition-generation': '1' }, atMs: 0 }],
      second: [{ value: { node: 'A', 'partition-generation': '1' }, atMs: 0 }],
    });
  });

  it('failInfo with alongWith hits only requests that also ask that name', () => {
    const log = withNode((fake, conn, record, now) => {
      fake.failInfo('A', 'partition-generation', { value: '-1' }, 1, 'replicas');
      const ask = (what: string, names: string[]) => fake.transport.info$(conn, names).pipe(tap((reply: InfoReply) => record(what)({ value: reply['partition-generation'], atMs: now() })));
      concat(ask('refresh', ['node', 'peers-generation', 'partition-generation']), ask('map', ['partition-generation', 'replicas']), ask('map again', ['partition-generation', 'replicas'])).subscribe();
    });
    expect(log).toEqual({ refresh: [{ value: '1', atMs: 0 }], map: [{ value: '-1', atMs: 0 }], 'map again': [{ value: '1', atMs: 0 }] });
  });

  it('openConnections counts handles connected and not closed or dead, not refused connects', () => {
    const counts: number[] = [];
    testScheduler().run(() => {
      const fake = new FakeCluster({ nodes: ['A'] });
      const t = fake.transport;
      const conns: Connection[] = [];
      for (let i = 0; i < 3; i++) t.connect$('10.0.0.1', 3000).subscribe((c) => conns.push(c));
      counts.push(t.openConnections('A'));
      t.close(conns[0]!);
      counts.push(t.openConnections('A'));
      fake.failInfo('A', '*', new AerospikeError('network_error', 'reset'));
      // an operation that errors destroys its handle
      t.info$(conns[1]!, ['node']).subscribe({ error: () => counts.push(t.openConnections('A')) });
      fake.kill('A');
      t.connect$('10.0.0.1', 3000).subscribe({ error: () => counts.push(t.openConnections('A'), t.connectCount('A')) });
    });
    expect(counts).toEqual([3, 2, 1, 0, 4]);
  });
});
