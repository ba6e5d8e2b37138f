import type { TestScheduler } from 'rxjs/testing';
import type { Connection } from '../../lib/node-transport';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { AerospikeError } from '../../lib/errors';
import { asMsgFrame, asMsgRecord } from '../../lib/testing/frame-builders';
import { err, testScheduler } from './marble-helpers';

const A = asMsgRecord({ generation: 1 });
const B = asMsgRecord({ generation: 2 });
const C = asMsgRecord({ generation: 3 });
const REQ = asMsgFrame(asMsgRecord());
const NODE = '10.0.0.1:3000';

describe('FakeTransport pipelining (pipeline: true)', () => {
  let ts: TestScheduler;
  let fake: FakeTransport;
  let conn: Connection;

  beforeEach(() => {
    ts = testScheduler();
    fake = new FakeTransport({ nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
    fake.connect$('10.0.0.1', 3000, { pipeline: true }).subscribe((c) => (conn = c));
  });

  it('keeps several command$ in flight and delivers replies in call order', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptCommand('n1', cold('----a|', { a: A }));
      fake.scriptCommand('n1', cold('-b|', { b: B })); // ready first, delivered after A
      fake.scriptCommand('n1', cold('------c|', { c: C }));
      expectObservable(fake.command$(conn, REQ, 10)).toBe('----(a|)', { a: A });
      expectObservable(fake.command$(conn, REQ, 10)).toBe('----(b|)', { b: B });
      expectObservable(fake.command$(conn, REQ, 10)).toBe('------(c|)', { c: C });
    });
  });

  it('still answers connection_busy to streams while commands are in flight', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptCommand('n1', cold('--a|', { a: A }));
      expectObservable(fake.command$(conn, REQ, 10)).toBe('--(a|)', { a: A });
      expectObservable(fake.stream$(conn, REQ, 10)).toBe('#', undefined, err('connection_busy', `connection to ${NODE} is busy with a command operation`));
    });
  });

  it('fails every operation in flight when one of them fails, and the handle dies', () => {
    ts.run(({ cold, expectObservable }) => {
      const boom = new AerospikeError('network_error', 'reset by peer');
      fake.scriptCommand('n1', cold('---a|', { a: A }));
      fake.scriptCommand('n1', cold('-#', undefined, boom));
      expectObservable(fake.command$(conn, REQ, 10)).toBe('-#', undefined, err('network_error', 'reset by peer', true));
      expectObservable(fake.command$(conn, REQ, 10)).toBe('-#', undefined, err('network_error', 'reset by peer', true));
    });
    expect(conn.isOpen).toBeFalse();
  });

  it('drops an unsubscribed operation without disturbing the others', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const dropped = cold('---b|', { b: B });
      fake.scriptCommand('n1', cold('--a|', { a: A }));
      fake.scriptCommand('n1', dropped);
      fake.scriptCommand('n1', cold('----c|', { c: C }));
      expectObservable(fake.command$(conn, REQ, 10)).toBe('--(a|)', { a: A });
      expectObservable(fake.command$(conn, REQ, 10), '^-!').toBe('--');
      expectObservable(fake.command$(conn, REQ, 10)).toBe('----(c|)', { c: C });
      expectSubscriptions(dropped.subscriptions).toBe('^-!');
    });
    expect(conn.isOpen).toBeTrue();
  });

  it('answers connection_busy to a second command$ when pipelining is off', () => {
    ts.run(({ cold, expectObservable }) => {
      let plain!: Connection;
      fake.connect$('10.0.0.1', 3000).subscribe((c) => (plain = c));
      fake.scriptCommand('n1', cold('--a|', { a: A }));
      expectObservable(fake.command$(plain, REQ, 10)).toBe('--(a|)', { a: A });
      expectObservable(fake.command$(plain, REQ, 10)).toBe('#', undefined, err('connection_busy', `connection to ${NODE} is busy with a command operation`));
    });
  });
});
