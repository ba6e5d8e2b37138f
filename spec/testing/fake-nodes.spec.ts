import type { TestScheduler } from 'rxjs/testing';
import type { Connection } from '../../lib/node-transport';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';
import { err, testScheduler } from './marble-helpers';

const A = asMsgRecord({ generation: 1 });
const REQ = asMsgFrame(asMsgRecord({ info1: 1 }));
const LAST = asMsgFrame(lastRecord());

describe('FakeTransport nodes: disconnect, reconnect and introspection', () => {
  let ts: TestScheduler;
  let fake: FakeTransport;

  beforeEach(() => {
    ts = testScheduler();
    fake = new FakeTransport({
      nodes: [
        { id: 'n1', host: '10.0.0.1', port: 3000 },
        { id: 'n2', host: '10.0.0.2', port: 3000 },
      ],
    });
  });

  function connectNow(host = '10.0.0.1'): Connection {
    let conn: Connection | undefined;
    fake.connect$(host, 3000).subscribe((c) => (conn = c));
    return conn!;
  }

  it('disconnect makes live handles fail with network_error without consuming scripts', () => {
    const conn = connectNow();
    fake.scriptCommand('n1', A);
    fake.scriptInfo('n1', ['build'], { build: '8' });
    fake.disconnect('n1');
    const gone = err('network_error', 'node n1 was disconnected');
    ts.run(({ expectObservable }) => {
      expectObservable(fake.command$(conn, REQ, 5)).toBe('#', undefined, gone);
      expectObservable(fake.info$(conn, ['build'])).toBe('#', undefined, gone);
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('#', undefined, gone);
    });
    expect(conn.isOpen).toBeFalse();
    expect(fake.pendingScripts('n1')).toEqual({ connect: 0, info: 1, command: 1, commandStream: 0, stream: 0, login: 0 });
    expect(fake.calls('n1')).toEqual([]);
  });

  it('disconnect ends an operation in flight with network_error, releasing its script', () => {
    const conn = connectNow();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reply = cold('----a|', { a: A });
      fake.scriptCommand('n1', reply);
      expectObservable(fake.command$(conn, REQ, 10)).toBe('--#', undefined, err('network_error', 'node n1 was disconnected', true));
      ts.schedule(() => fake.disconnect('n1'), 2);
      expectSubscriptions(reply.subscriptions).toBe('^-!');
    });
  });

  it('while disconnected new connects fail with connection_error, and succeed again after reconnect', () => {
    const old = connectNow();
    fake.scriptConnect('n1', 'ok');
    fake.disconnect('n1');
    ts.run(({ expectObservable }) => {
      expectObservable(fake.connect$('10.0.0.1', 3000)).toBe('#', undefined, err('connection_error', 'connection refused by 10.0.0.1:3000 (node n1 is disconnected)'));
    });
    expect(fake.pendingScripts('n1').connect).toBe(1);
    fake.reconnect('n1');
    const fresh = connectNow();
    expect(fresh.isOpen).toBeTrue();
    expect(old.isOpen).toBeFalse();
    expect(fake.connectCount('n1')).toBe(3);
  });

  it('a handshake still in progress when its node disconnects ends with connection_error', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptConnect('n1', cold('---x|'));
      expectObservable(fake.connect$('10.0.0.1', 3000)).toBe('---#', undefined, err('connection_error', 'connection to 10.0.0.1:3000 reset (node n1 was disconnected)'));
      ts.schedule(() => fake.disconnect('n1'), 1);
    });
  });

  it('runs its deadlines on an injected scheduler', () => {
    ts.run(({ cold, expectObservable }) => {
      const injected = new FakeTransport({ scheduler: ts, nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
      injected.scriptCommand('n1', cold('----a|', { a: A }));
      injected.connect$('10.0.0.1', 3000).subscribe((conn) => {
        expectObservable(injected.command$(conn, REQ, 2)).toBe('--#', undefined, err('timeout', 'command read on 10.0.0.1:3000 timed out after 2 ms', true));
      });
    });
  });

  it('leaves other nodes alone', () => {
    const other = connectNow('10.0.0.2');
    fake.disconnect('n1');
    fake.scriptCommand('n2', A);
    let reply: Buffer | undefined;
    fake.command$(other, REQ, 5).subscribe((r) => (reply = r));
    expect(reply).toEqual(A);
  });

  it('records every call that reached the node, in order, with lastCommand as a shortcut', () => {
    const conn = connectNow();
    fake.setDefaultReply('command', A);
    fake.setDefaultReply('commandStream', A);
    fake.setDefaultReply('info', {});
    fake.setDefaultReply('stream', [LAST]);
    fake.command$(conn, [REQ.subarray(0, 3), REQ.subarray(3)], 11, { attempt: 2 }).subscribe();
    fake.info$(conn, ['node']).subscribe();
    fake.commandStream$(conn, REQ, 12, { messageType: 'admin' }).subscribe();
    fake.stream$(conn, REQ, 13).subscribe();
    expect(fake.calls('n1').map((c) => [c.kind, c.deadlineMs])).toEqual([
      ['command', 11],
      ['info', 5000],
      ['commandStream', 12],
      ['stream', 13],
    ]);
    expect(fake.calls('n1')[0]!.request).toEqual(REQ);
    expect(fake.lastCommand('n1')).toEqual({ kind: 'commandStream', request: REQ, deadlineMs: 12, options: { messageType: 'admin' } });
    expect(fake.lastCommand('n2')).toBeUndefined();
  });

  it('counts only the first close per handle, and stream closes only when cut short', () => {
    const a = connectNow();
    const b = connectNow();
    fake.close(a);
    fake.close(a);
    fake.close(b);
    expect(fake.closeCount('n1')).toBe(2);
    expect(fake.streamCloseCount('n1')).toBe(0);
  });

  it('an unsubscribed stream counts as a stream close and releases its script', () => {
    const conn = connectNow();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const frames = cold('--a--z', { a: asMsgFrame(A), z: LAST });
      fake.scriptStream('n1', frames);
      expectObservable(fake.stream$(conn, REQ, 5), '^--!').toBe('--a', { a: asMsgFrame(A) });
      expectSubscriptions(frames.subscriptions).toBe('^--!');
    });
    expect(fake.streamCloseCount('n1')).toBe(1);
  });

  it('throws for an unknown node id or a duplicate registration', () => {
    expect(() => fake.scriptCommand('n9', A)).toThrowError(/no fake node registered with id n9/);
    expect(() => fake.registerNode('n1', '10.0.0.3', 3000)).toThrowError(/already registered/);
    expect(() => fake.registerNode('n3', '10.0.0.1', 3000)).toThrowError(/already registered at 10.0.0.1:3000/);
  });
});
