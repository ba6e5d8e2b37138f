import { concat, NEVER, of, timer, map, VirtualTimeScheduler, type Observable } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import type { Connection, FramesOptions } from '../../lib/node-transport';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { asMsgFrame, asMsgRecord, lastRecord } from '../../lib/testing/frame-builders';

const F1 = asMsgFrame(asMsgRecord({ generation: 1 }));
const F2 = asMsgFrame(asMsgRecord({ generation: 2 }));
const F3 = asMsgFrame(asMsgRecord({ generation: 3 }));
const LAST = asMsgFrame(lastRecord());
const REQ = asMsgFrame(asMsgRecord({ info1: 1 }));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('FakeTransport.frames (backpressure)', () => {
  let fake: FakeTransport;
  let conn: Connection;

  const connect = (transport: FakeTransport): Connection => {
    let c!: Connection;
    transport.connect$('10.0.0.1', 3000).subscribe((opened) => (c = opened));
    return c;
  };

  beforeEach(() => {
    fake = new FakeTransport({ nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
    conn = connect(fake);
  });

  it('holds the frames that arrive while paused and yields them in order when the loop catches up', async () => {
    const late: Observable<Buffer> = timer(20).pipe(map(() => F3));
    fake.scriptStream('n1', concat(of(F1, F2), late, of(LAST)));
    const seen: Buffer[] = [];
    for await (const frame of fake.frames(conn, REQ, 40, { highWaterFrames: 1 })) {
      seen.push(frame);
      await sleep(60); // slower than the deadline: only a paused read survives it
    }
    expect(seen).toEqual([F1, F2, F3, LAST]);
    expect(conn.isOpen).toBeTrue();
  });

  it('throws an error the script raised while paused only after the frames held before it', async () => {
    fake.scriptStream('n1', [F1, F2], new AerospikeError('network_error', 'reset by peer'));
    const seen: Buffer[] = [];
    let caught: unknown;
    try {
      for await (const frame of fake.frames(conn, REQ, 100, { highWaterFrames: 1 })) {
        seen.push(frame);
        await sleep(5);
      }
    } catch (err) {
      caught = err;
    }
    expect(seen).toEqual([F1, F2]);
    expect(caught).toEqual(jasmine.objectContaining({ code: 'network_error', message: 'reset by peer', inDoubt: true }));
  });

  it('counts a loop that breaks early as a stream close and kills the handle', async () => {
    fake.scriptStream('n1', concat(of(F1), NEVER));
    for await (const frame of fake.frames(conn, REQ, 1000)) {
      expect(frame).toEqual(F1);
      break;
    }
    expect(fake.streamCloseCount('n1')).toBe(1);
    expect(conn.isOpen).toBeFalse();
  });

  it('runs its per-read deadline on the injected scheduler', async () => {
    const scheduler = new VirtualTimeScheduler();
    const virtual = new FakeTransport({ scheduler, nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
    const c = connect(virtual);
    virtual.scriptStream('n1', concat(of(F1), NEVER));
    const iterator = virtual.frames(c, REQ, 5000)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual(F1);
    const next = iterator.next();
    scheduler.flush();
    await expectAsync(next).toBeRejectedWith(jasmine.objectContaining({ code: 'timeout', message: 'stream read on 10.0.0.1:3000 timed out after 5000 ms' }));
    expect(scheduler.now()).toBe(5000);
  });

  it('records the call like stream$, options included', async () => {
    fake.scriptStream('n1', [LAST]);
    for await (const frame of fake.frames(conn, REQ, 100, { highWaterBytes: 1024 })) expect(frame).toEqual(LAST);
    const calls = fake.calls('n1');
    expect(calls.map((c) => [c.kind, c.deadlineMs])).toEqual([['stream', 100]]);
    expect(calls[0]!.options).toEqual({ highWaterBytes: 1024 } as FramesOptions);
  });
});
