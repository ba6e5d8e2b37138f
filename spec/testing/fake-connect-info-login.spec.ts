import { map } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { AerospikeError } from '../../lib/errors';
import type { Connection, InfoReply, LoginReply } from '../../lib/node-transport';
import { encodeInfoRequest } from '../../lib/protocol/info';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { err, testScheduler } from './marble-helpers';

const NODE = '10.0.0.1:3000';
const SESSION: LoginReply = { kind: 'session', token: Buffer.from('tok'), ttlSeconds: 60 };

describe('FakeTransport connect$, info$ and login$', () => {
  let ts: TestScheduler;
  let fake: FakeTransport;

  beforeEach(() => {
    ts = testScheduler();
    fake = new FakeTransport();
    fake.registerNode('n1', '10.0.0.1', 3000);
  });

  function connectNow(opts = {}): Connection {
    let conn: Connection | undefined;
    fake.connect$('10.0.0.1', 3000, opts).subscribe((c) => (conn = c));
    return conn!;
  }

  describe('connect$', () => {
    it('emits an open handle at once when nothing is scripted, and completes', () => {
      const seen: Connection[] = [];
      let completed = false;
      fake.connect$('10.0.0.1', 3000, { nodeName: 'BB9' }).subscribe({ next: (c) => seen.push(c), complete: () => (completed = true) });
      expect(seen.length).toBe(1);
      expect(seen[0]).toEqual(jasmine.objectContaining({ host: '10.0.0.1', port: 3000, nodeName: 'BB9', isOpen: true }));
      expect(completed).toBeTrue();
    });

    it('connects when a scripted Observable first emits, and counts every attempt', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const handshake = cold('--x|');
        fake.scriptConnect('n1', handshake);
        fake.scriptConnect('n1', new AerospikeError('invalid_credential', 'bad password'));
        expectObservable(fake.connect$('10.0.0.1', 3000).pipe(map((c) => c.isOpen))).toBe('--(t|)', { t: true });
        expectObservable(fake.connect$('10.0.0.1', 3000), '---^').toBe('---#', undefined, err('invalid_credential', 'bad password'));
        expectSubscriptions(handshake.subscriptions).toBe('^-!');
      });
      expect(fake.connectCount('n1')).toBe(2);
    });

    it('unsubscribing during a slow handshake reaches the scripted source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const handshake = cold('-----x|');
        fake.scriptConnect('n1', handshake);
        expectObservable(fake.connect$('10.0.0.1', 3000), '^-!').toBe('--');
        expectSubscriptions(handshake.subscriptions).toBe('^-!');
      });
    });

    it('times out after connectTimeoutMs in virtual time', () => {
      ts.run(({ cold, expectObservable }) => {
        fake.scriptConnect('n1', cold('-----x|'));
        expectObservable(fake.connect$('10.0.0.1', 3000, { connectTimeoutMs: 4 })).toBe('----#', undefined, err('timeout', `connect to ${NODE} timed out after 4 ms`));
      });
    });

    it('errors with connection_error naming host:port for an unregistered address', () => {
      ts.run(({ expectObservable }) => {
        expectObservable(fake.connect$('10.0.0.9', 3000)).toBe('#', undefined, err('connection_error', 'no node registered at 10.0.0.9:3000'));
      });
    });

    it('does nothing until subscribed', () => {
      fake.connect$('10.0.0.1', 3000);
      expect(fake.connectCount('n1')).toBe(0);
    });

    it('throws RangeError at call time for bad timeouts, naming the option', () => {
      expect(() => fake.connect$('10.0.0.1', 3000, { connectTimeoutMs: 0 })).toThrowError(RangeError, /connectTimeoutMs/);
      expect(() => fake.connect$('10.0.0.1', 3000, { infoTimeoutMs: -5 })).toThrowError(RangeError, /infoTimeoutMs/);
    });
  });

  describe('info$', () => {
    it('answers from the queue keyed by the exact ordered names, as a null-prototype object', () => {
      const conn = connectNow();
      fake.scriptInfo('n1', ['node', 'build'], { node: 'BB9', build: '8.0.0.1' });
      let reply: InfoReply | undefined;
      fake.info$(conn, ['node', 'build']).subscribe((r) => (reply = r));
      expect(Object.getPrototypeOf(reply)).toBeNull();
      expect({ ...reply }).toEqual({ node: 'BB9', build: '8.0.0.1' });
      expect(fake.calls('n1')).toEqual([
        { kind: 'info', request: encodeInfoRequest(['node', 'build']), deadlineMs: 5000, options: undefined, commands: ['node', 'build'] },
      ]);
    });

    it('does not answer the same names in another order', () => {
      const conn = connectNow();
      fake.scriptInfo('n1', ['node', 'build'], { node: 'BB9', build: '8' });
      ts.run(({ expectObservable }) => {
        expectObservable(fake.info$(conn, ['build', 'node'])).toBe('#', undefined, err('no_script', `no scripted info ["build","node"] reply for node n1 (${NODE})`, true));
      });
      expect(fake.pendingScripts('n1').info).toBe(1);
    });

    it('bounds the reply by infoTimeoutMs in virtual time; the error is in doubt, as on the socket', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const conn = connectNow({ infoTimeoutMs: 3 });
        const reply = cold('-----r|', { r: { build: '8' } });
        fake.scriptInfo('n1', ['build'], reply);
        expectObservable(fake.info$(conn, ['build'])).toBe('---#', undefined, err('timeout', `info read on ${NODE} timed out after 3 ms`, true));
        expectSubscriptions(reply.subscriptions).toBe('^--!');
      });
    });

    it('unsubscribing before the reply reaches the scripted source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const conn = connectNow();
        const reply = cold('----r|', { r: { build: '8' } });
        fake.scriptInfo('n1', ['build'], reply);
        expectObservable(fake.info$(conn, ['build']), '^!').toBe('-');
        expectSubscriptions(reply.subscriptions).toBe('^!');
      });
    });

    it('uses the default info reply for any names when the queue is empty', () => {
      const conn = connectNow();
      fake.setDefaultReply('info', { ok: '1' });
      let reply: InfoReply | undefined;
      fake.info$(conn, ['anything']).subscribe((r) => (reply = r));
      expect({ ...reply }).toEqual({ ok: '1' });
    });
  });

  describe('login$', () => {
    it("emits the scripted login reply at its time; the deadline is loginTimeoutMs, else the connection's loginTimeoutMs", () => {
      ts.run(({ cold, expectObservable }) => {
        const conn = connectNow({ loginTimeoutMs: 2, infoTimeoutMs: 50 });
        fake.scriptLogin('n1', cold('-s|', { s: SESSION }));
        fake.scriptLogin('n1', cold('---s|', { s: SESSION }));
        fake.scriptLogin('n1', cold('---s|', { s: SESSION }));
        expectObservable(fake.login$(conn, { user: 'u', password: 'p' })).toBe('-(s|)', { s: SESSION });
        expectObservable(fake.login$(conn, { user: 'u', password: 'p', loginTimeoutMs: 5 }), '--^').toBe('-----(s|)', { s: SESSION });
        expectObservable(fake.login$(conn, { user: 'u', password: 'p' }), '------^').toBe('--------#', undefined, err('timeout', `login read on ${NODE} timed out after 2 ms`, true));
      });
    });

    it('errors with no_script when nothing is scripted, and never records the password', () => {
      const conn = connectNow();
      ts.run(({ expectObservable }) => {
        expectObservable(fake.login$(conn, { user: 'u', password: 'secret' })).toBe('#', undefined, err('no_script', `no scripted login reply for node n1 (${NODE})`, true));
      });
      expect(JSON.stringify(fake.calls('n1'))).not.toContain('secret');
      expect(fake.calls('n1')[0]!.options).toEqual({ user: 'u', authMode: undefined, loginTimeoutMs: undefined });
    });

    it('unsubscribing before the login reply reaches the scripted source', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const conn = connectNow();
        const reply = cold('---s|', { s: SESSION });
        fake.scriptLogin('n1', reply);
        expectObservable(fake.login$(conn, { user: 'u', password: 'p' }), '^-!').toBe('--');
        expectSubscriptions(reply.subscriptions).toBe('^-!');
      });
    });
  });
});
