import type { TestScheduler } from 'rxjs/testing';
import { AerospikeError } from '../../lib/errors';
import type { Connection } from '../../lib/node-transport';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { adminFrame, adminRecord, asMsgFrame, asMsgRecord, compressedFrame, lastRecord } from '../../lib/testing/frame-builders';
import { err, testScheduler } from './marble-helpers';

const F1 = asMsgFrame(asMsgRecord({ generation: 1 }));
const F2 = asMsgFrame(asMsgRecord({ generation: 2 }));
const LAST = asMsgFrame(lastRecord());
const REQ = asMsgFrame(asMsgRecord({ info1: 1 }));
const NODE = '10.0.0.1:3000';

describe('FakeTransport stream$', () => {
  let ts: TestScheduler;
  let fake: FakeTransport;
  let conn: Connection;

  beforeEach(() => {
    ts = testScheduler();
    fake = new FakeTransport({ nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
    fake.connect$('10.0.0.1', 3000).subscribe((c) => (conn = c));
  });

  it('emits each frame at its virtual time and completes after the terminal frame', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const frames = cold('-a--b-z', { a: F1, b: F2, z: LAST });
      fake.scriptStream('n1', frames);
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('-a--b-(z|)', { a: F1, b: F2, z: LAST });
      expectSubscriptions(frames.subscriptions).toBe('^-----!');
    });
    expect(conn.isOpen).toBeTrue();
    expect(fake.streamCloseCount('n1')).toBe(0);
  });

  it('ends on a LAST record that is not the first record of its frame (short query)', () => {
    const tail = asMsgFrame([asMsgRecord({ generation: 3 }), lastRecord()]);
    ts.run(({ cold, expectObservable }) => {
      fake.scriptStream('n1', cold('-a-b', { a: F1, b: tail }));
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('-a-(b|)', { a: F1, b: tail });
    });
  });

  it('unsubscribing before the terminal frame reaches the script, kills the handle and counts a stream close', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const frames = cold('-a---b-z', { a: F1, b: F2, z: LAST });
      fake.scriptStream('n1', frames);
      expectObservable(fake.stream$(conn, REQ, 10), '^--!').toBe('-a-', { a: F1 });
      expectSubscriptions(frames.subscriptions).toBe('^--!');
    });
    expect(fake.streamCloseCount('n1')).toBe(1);
    expect(conn.isOpen).toBeFalse();
  });

  it('applies the deadline to each read, not to the whole stream', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const frames = cold('--a--b------z', { a: F1, b: F2, z: LAST });
      fake.scriptStream('n1', frames);
      const timeout = err('timeout', `stream read on ${NODE} timed out after 3 ms`, true);
      expectObservable(fake.stream$(conn, REQ, 3)).toBe('--a--b--#', { a: F1, b: F2 }, timeout);
      expectSubscriptions(frames.subscriptions).toBe('^-------!');
    });
    expect(fake.streamCloseCount('n1')).toBe(0);
  });

  it('is a network_error in doubt when the script ends before a terminal frame', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptStream('n1', cold('-a-|', { a: F1 }));
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('-a-#', { a: F1 }, err('network_error', `${NODE} closed the connection before the terminal frame`, true));
    });
  });

  it('delivers an array of frames at once, then the optional terminal error', () => {
    ts.run(({ expectObservable }) => {
      fake.scriptStream('n1', [F1, F2], new AerospikeError('network_error', 'reset'));
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('(ab#)', { a: F1, b: F2 }, err('network_error', 'reset', true));
    });
  });

  it('emits zero-length frames as bare 8-byte frames and inflates compressed frames', () => {
    const empty = asMsgFrame([]);
    ts.run(({ expectObservable }) => {
      fake.scriptStream('n1', [empty, compressedFrame(F1), compressedFrame(LAST)]);
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('(abz|)', { a: empty, b: F1, z: LAST });
    });
  });

  it('rejects a frame whose type is not 3 or 4 as a parse_error', () => {
    ts.run(({ expectObservable }) => {
      fake.scriptStream('n1', [adminFrame(adminRecord())]);
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('#', undefined, err('parse_error', 'unexpected proto type on a stream: expected one of [3, 4], got 2', true));
    });
  });

  it('close() during a stream ends it with network_error and counts a stream close', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const frames = cold('-a----z', { a: F1, z: LAST });
      fake.scriptStream('n1', frames);
      expectObservable(fake.stream$(conn, REQ, 10)).toBe('-a-#', { a: F1 }, err('network_error', 'connection closed during the operation', true));
      ts.schedule(() => fake.close(conn), 3);
      expectSubscriptions(frames.subscriptions).toBe('^--!');
    });
    expect(fake.streamCloseCount('n1')).toBe(1);
    expect(fake.closeCount('n1')).toBe(1);
  });

  it('a scripted error at open is in doubt and does not count as a stream close', () => {
    ts.run(({ expectObservable }) => {
      fake.scriptStream('n1', new AerospikeError('server_error', 'refused'));
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('#', undefined, err('server_error', 'refused', true));
    });
    expect(fake.streamCloseCount('n1')).toBe(0);
  });

  it('errors with no_script naming the node and the stream shape', () => {
    ts.run(({ expectObservable }) => {
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('#', undefined, err('no_script', `no scripted stream reply for node n1 (${NODE})`, true));
    });
  });

  it('is busy while another operation is in flight, and the stream goes on', () => {
    ts.run(({ cold, expectObservable }) => {
      fake.scriptStream('n1', cold('-a--z', { a: F1, z: LAST }));
      expectObservable(fake.stream$(conn, REQ, 5)).toBe('-a--(z|)', { a: F1, z: LAST });
      expectObservable(fake.command$(conn, REQ, 5), '--^').toBe('--#', undefined, err('connection_busy', `connection to ${NODE} is busy with a stream operation`));
    });
  });

  it('records the call with its concatenated request, deadline and options', () => {
    fake.scriptStream('n1', [LAST]);
    fake.stream$(conn, [REQ.subarray(0, 8), REQ.subarray(8)], 7, { useCompression: true }).subscribe();
    expect(fake.calls('n1')).toEqual([{ kind: 'stream', request: REQ, deadlineMs: 7, options: { useCompression: true } }]);
  });
});
