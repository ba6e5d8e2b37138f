import { concat, NEVER, VirtualTimeScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { AerospikeError } from '../../lib/errors';
import type { Connection } from '../../lib/node-transport';
import { Info1 } from '../../lib/protocol/constants';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { err, testScheduler } from './marble-helpers';

const A = asMsgRecord({ generation: 1 });
const B = asMsgRecord({ generation: 2 });
const REQ = asMsgFrame(asMsgRecord({ info1: Info1.READ }));
const NODE = '10.0.0.1:3000';

function connectNow(fake: FakeTransport, nodeName?: string): Connection {
  let conn: Connection | undefined;
  fake.connect$('10.0.0.1', 3000, nodeName === undefined ? {} : { nodeName }).subscribe((c) => (conn = c));
  return conn!;
}

function errorOf(source: { subscribe: (o: { error: (e: unknown) => void }) => unknown }): AerospikeError {
  let caught: unknown;
  source.subscribe({ error: (e) => (caught = e) });
  return caught as AerospikeError;
}

describe('FakeTransport command$ and commandStream$', () => {
  let ts: TestScheduler;
  let fake: FakeTransport;
  let conn: Connection;

  beforeEach(() => {
    ts = testScheduler();
    fake = new FakeTransport({ nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
    conn = connectNow(fake);
  });

  it('emits the scripted reply at its virtual time, completes, and releases the script', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reply = cold('--a|', { a: A });
      fake.scriptCommand('n1', reply);
      expectObservable(fake.command$(conn, REQ, 10)).toBe('--(a|)', { a: A });
      expectSubscriptions(reply.subscriptions).toBe('^-!');
    });
  });

  it('unsubscribing before the reply reaches the scripted source and destroys the handle', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reply = cold('-----a|', { a: A });
      fake.scriptCommand('n1', reply);
      expectObservable(fake.command$(conn, REQ, 10), '^-!').toBe('--');
      expectSubscriptions(reply.subscriptions).toBe('^-!');
    });
    expect(conn.isOpen).toBeFalse();
    expect(errorOf(fake.command$(conn, REQ, 10)).code).toBe('network_error');
  });

  it('times out in virtual time when the reply is slower than deadlineMs, in doubt', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reply = cold('-----a|', { a: A });
      fake.scriptCommand('n1', reply);
      const timeout = err('timeout', `command read on ${NODE} timed out after 3 ms`, true);
      expectObservable(fake.command$(conn, REQ, 3)).toBe('---#', undefined, timeout);
      expectSubscriptions(reply.subscriptions).toBe('^--!');
    });
    expect(conn.isOpen).toBeFalse();
  });

  it('arms a deadline longer than a Node timer holds in steps, and times out when it is due', () => {
    // a recording virtual scheduler: every delay handed to it, and the clock it runs
    const delays: number[] = [];
    const virtual = new VirtualTimeScheduler();
    const recording: SchedulerLike = {
      now: () => virtual.now(),
      schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) {
        delays.push(delay ?? 0);
        return virtual.schedule(work, delay, state);
      },
    };
    const slow = new FakeTransport({ scheduler: recording, nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
    const c = connectNow(slow);
    slow.scriptCommand('n1', NEVER);
    const deadlineMs = 2 ** 32 - 1;
    let error: AerospikeError | undefined;
    slow.command$(c, REQ, deadlineMs).subscribe({ error: (e: AerospikeError) => (error = e) });
    virtual.flush();
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(error?.code).toBe('timeout');
    expect(virtual.now()).toBe(deadlineMs);
  });

  it('accepts a reply that arrives exactly at the deadline', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptCommand('n1', cold('---a|', { a: A }));
      expectObservable(fake.command$(conn, REQ, 3)).toBe('---(a|)', { a: A });
    });
  });

  it('keeps the connection reusable after a reply, consuming scripts in order', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptCommand('n1', cold('-a|', { a: A }));
      fake.scriptCommand('n1', cold('-b|', { b: B }));
      expectObservable(concat(fake.command$(conn, REQ, 5), fake.command$(conn, REQ, 5))).toBe('-a(b|)', { a: A, b: B });
    });
  });

  it('errors with connection_busy at once, never in doubt, leaving the operation in flight untouched', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptCommand('n1', cold('---a|', { a: A }));
      fake.scriptCommand('n1', B);
      const busy = err('connection_busy', `connection to ${NODE} is busy with a command operation`);
      expectObservable(fake.command$(conn, REQ, 10)).toBe('---(a|)', { a: A });
      expectObservable(fake.command$(conn, REQ, 10), '-^').toBe('-#', undefined, busy);
      expectObservable(fake.commandStream$(conn, REQ, 10), '--^').toBe('--#', undefined, busy);
    });
    expect(fake.pendingScripts('n1').command).toBe(1);
    expect(fake.calls('n1').length).toBe(1);
    expect(conn.isOpen).toBeTrue();
  });

  it('delivers a scripted error in doubt and leaves the handle dead', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptCommand('n1', cold('-#', undefined, new AerospikeError('server_error', 'boom')));
      expectObservable(fake.command$(conn, REQ, 10)).toBe('-#', undefined, err('server_error', 'boom', true));
      expectObservable(fake.command$(conn, REQ, 10), '--^').toBe(
        '--#',
        undefined,
        err('network_error', 'connection destroyed after an error'),
      );
    });
  });

  it('errors with no_script naming the node and call shape when the queue is empty, never hanging', () => {
    ts.run(({ expectObservable }) => {
      expectObservable(fake.command$(conn, REQ, 10)).toBe('#', undefined, err('no_script', `no scripted command reply for node n1 (${NODE})`, true));
    });
  });

  it('uses the default reply when the queue is empty, and no_script again once it is cleared', () => {
    fake.setDefaultReply('command', A);
    ts.run(({ expectObservable }) => {
      expectObservable(concat(fake.command$(conn, REQ, 10), fake.command$(conn, REQ, 10))).toBe('(aa|)', { a: A });
    });
    fake.setDefaultReply('command', undefined);
    expect(errorOf(fake.command$(conn, REQ, 10)).code).toBe('no_script');
  });

  it('is a network_error when the script completes without a reply (the node closed early)', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptCommand('n1', cold('--|'));
      expectObservable(fake.command$(conn, REQ, 10)).toBe('--#', undefined, err('network_error', `${NODE} closed the connection before the reply`, true));
    });
  });

  it('close() during the operation ends it with network_error and releases the script', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reply = cold('-----a|', { a: A });
      fake.scriptCommand('n1', reply);
      expectObservable(fake.command$(conn, REQ, 10)).toBe('--#', undefined, err('network_error', 'connection closed during the operation', true));
      ts.schedule(() => fake.close(conn), 2);
      expectSubscriptions(reply.subscriptions).toBe('^-!');
    });
    expect(fake.closeCount('n1')).toBe(1);
  });

  it('close() is idempotent, never throws, and a closed handle errors without consuming scripts', () => {
    fake.scriptCommand('n1', A);
    fake.close(conn);
    fake.close(conn);
    expect(fake.closeCount('n1')).toBe(1);
    ts.run(({ expectObservable }) => {
      expectObservable(fake.command$(conn, REQ, 10)).toBe('#', undefined, err('network_error', 'connection handle closed'));
    });
    expect(fake.pendingScripts('n1').command).toBe(1);
    expect(() => fake.close({ host: 'x', port: 1, nodeName: undefined, isOpen: true })).not.toThrow();
  });

  it('does nothing until subscribed: no script consumed, no call recorded', () => {
    fake.scriptCommand('n1', A);
    fake.command$(conn, REQ, 10);
    expect(fake.pendingScripts('n1').command).toBe(1);
    expect(fake.calls('n1')).toEqual([]);
  });

  it('throws RangeError at call time for a deadline that is not a positive finite number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => fake.command$(conn, REQ, bad)).toThrowError(RangeError, /deadlineMs/);
      expect(() => fake.stream$(conn, REQ, bad)).toThrowError(RangeError, /deadlineMs/);
    }
  });

  it('labels errors with nodeName when given, else host:port', () => {
    const named = connectNow(fake, 'BB9');
    expect(errorOf(fake.command$(named, REQ, 10)).node).toBe('BB9');
    expect(errorOf(fake.command$(conn, REQ, 10)).node).toBe(NODE);
  });

  it('commandStream$ consumes its own queue and emits one Buffer at the scripted time', () => {
    const body = Buffer.concat([A, lastRecord()]);
    fake.scriptCommand('n1', B);
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reply = cold('----a|', { a: body });
      fake.scriptCommandStream('n1', reply);
      expectObservable(fake.commandStream$(conn, REQ, 5, { messageType: 'as_msg' })).toBe('----(a|)', { a: body });
      expectSubscriptions(reply.subscriptions).toBe('^---!');
    });
    expect(fake.pendingScripts('n1').command).toBe(1);
    expect(fake.lastCommand('n1')).toEqual({ kind: 'commandStream', request: REQ, deadlineMs: 5, options: { messageType: 'as_msg' } });
  });

  it('commandStream$ unsubscribed early releases its script', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reply = cold('----a|', { a: A });
      fake.scriptCommandStream('n1', reply);
      expectObservable(fake.commandStream$(conn, REQ, 10), '^!').toBe('-');
      expectSubscriptions(reply.subscriptions).toBe('^!');
    });
    expect(conn.isOpen).toBeFalse();
  });
});
