// commandCall (lib/cluster/command-call.ts): a transport's own commandCall is used as is; a transport with
// command$ only is driven through it, its one value being the reply and anything after it ignored.
import { EMPTY, NEVER, Observable, throwError } from 'rxjs';
import { finalize } from 'rxjs/operators';
import { commandCall } from '../../lib/cluster/command-call';
import { AerospikeError } from '../../lib/errors';
import type { Connection, NodeTransport, PendingCall, ReplySink } from '../../lib/node-transport';

const conn = { host: '10.0.0.1', port: 3000, nodeName: 'A', isOpen: true } as Connection;
const request = Buffer.alloc(8);

function transportOf(command$: Observable<Buffer>): NodeTransport {
  return { command$: () => command$ } as unknown as NodeTransport;
}

function sink(): ReplySink & { events: Array<[string, unknown]> } {
  const events: Array<[string, unknown]> = [];
  return { events, reply: (body) => events.push(['reply', body]), fail: (error) => events.push(['fail', error]) };
}

describe('commandCall', () => {
  it("uses the transport's own commandCall, passing every argument", () => {
    const call: PendingCall = { cancel: () => undefined };
    const own = jasmine.createSpy('commandCall').and.returnValue(call);
    const s = sink();
    const transport = { commandCall: own, command$: () => fail('command$ must not be used') } as unknown as NodeTransport;
    expect(commandCall(transport, conn, request, 250, { attempt: 1 }, s)).toBe(call);
    expect(own).toHaveBeenCalledOnceWith(conn, request, 250, { attempt: 1 }, s);
  });

  it("hands command$'s value to reply() once and ignores what follows it", () => {
    const s = sink();
    const body = Buffer.from('body');
    commandCall(transportOf(new Observable<Buffer>((sub) => {
      sub.next(body);
      sub.next(Buffer.from('late'));
      sub.error(new Error('late'));
    })), conn, request, 100, undefined, s);
    expect(s.events).toEqual([['reply', body]]);
  });

  it('unsubscribes from command$ before reply() runs', () => {
    const order: string[] = [];
    const s: ReplySink = { reply: () => order.push('reply'), fail: () => order.push('fail') };
    let emit!: () => void;
    const later = new Observable<Buffer>((sub) => {
      emit = () => sub.next(Buffer.alloc(1));
      return () => order.push('unsubscribed');
    });
    commandCall(transportOf(later), conn, request, 100, undefined, s);
    emit();
    expect(order).toEqual(['unsubscribed', 'reply']);
  });

  it("hands command$'s error to fail()", () => {
    const s = sink();
    const error = new AerospikeError('timeout', 'transport timed out');
    commandCall(transportOf(throwError(() => error)), conn, request, 100, undefined, s);
    expect(s.events).toEqual([['fail', error]]);
  });

  it('fails with parse_error when command$ completes without a reply', () => {
    const s = sink();
    commandCall(transportOf(EMPTY), conn, request, 100, undefined, s);
    expect(s.events).toEqual([['fail', new AerospikeError('parse_error', "the transport's command$ completed without a reply")]]);
  });

  it('cancel() unsubscribes from command$, and the sink hears nothing', () => {
    const s = sink();
    let unsubscribed = 0;
    const call = commandCall(transportOf(NEVER.pipe(finalize(() => unsubscribed++))), conn, request, 100, undefined, s);
    call.cancel();
    call.cancel();
    expect(unsubscribed).toBe(1);
    expect(s.events).toEqual([]);
  });
});
