// Runs the transport contract against FakeTransport: each exchange becomes a script whose timing
// (delay, stall, early end) is an Observable on the real-time scheduler, like the loopback server's.
import { EMPTY, NEVER, concat, defer, finalize, firstValueFrom, from, switchMap, timer, type Observable } from 'rxjs';
import { MessageType } from '../../lib/protocol/constants';
import { parseInfoReply } from '../../lib/protocol/info';
import type { ConnectOptions, Connection } from '../../lib/node-transport';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { describeTransportContract, type Exchange, type Harness } from './contract';
import { describeFramesContract } from './frames-contract';

const HOST = '10.0.0.1';
const PORT = 3000;

class FakeHarness implements Harness {
  readonly transport = new FakeTransport({ nodes: [{ id: 'n1', host: HOST, port: PORT }] });
  private release: Promise<void> = Promise.resolve();
  /** When the node is done answering the requests it took up so far (Date.now ms). */
  private busyUntil = 0;

  async setup(): Promise<void> {}

  connect(opts?: ConnectOptions): Promise<Connection> {
    return firstValueFrom(this.transport.connect$(HOST, PORT, opts));
  }

  script(exchange: Exchange): void {
    const source = this.track(this.timed(exchange));
    switch (exchange.shape) {
      case 'command':
        return this.transport.scriptCommand('n1', source as Observable<Buffer>);
      case 'commandStream':
        return this.transport.scriptCommandStream('n1', source as Observable<Buffer>);
      case 'stream':
        return this.transport.scriptStream('n1', source as Observable<Buffer>);
      case 'info':
        return this.transport.scriptInfo('n1', infoNames(exchange.request), source as Observable<Record<string, string>>);
    }
  }

  requests(): Buffer[] {
    return this.transport.calls('n1').map((call) => call.request);
  }

  released(): Promise<void> {
    return this.release;
  }

  async teardown(): Promise<void> {}

  /**
   * The node's side as a script: what each shape emits, after the delay, then idle / stall / close.
   * Scripts start at subscribe, but the node serves one request at a time: a request sent while
   * the one before is still being answered is taken up once that reply is out.
   */
  private timed(exchange: Exchange): Observable<unknown> {
    const values = replyValues(exchange);
    const after = exchange.then === 'stall' ? NEVER : EMPTY;
    const reply = exchange.then === 'close' && exchange.shape !== 'stream' ? EMPTY : concat(from(values), after);
    return defer(() => {
      const now = Date.now();
      const replyAt = Math.max(now, this.busyUntil) + (exchange.delayMs ?? 0);
      this.busyUntil = replyAt;
      return replyAt === now ? reply : timer(replyAt - now).pipe(switchMap(() => reply));
    });
  }

  private track<T>(source: Observable<T>): Observable<T> {
    let resolve!: () => void;
    this.release = new Promise((r) => (resolve = r));
    return source.pipe(finalize(() => resolve()));
  }
}

/** The value each shape's script carries for the given whole frames (plain frames only here). */
function replyValues(exchange: Exchange): unknown[] {
  const bodies = exchange.frames.map((frame) => frame.subarray(8));
  switch (exchange.shape) {
    case 'stream':
      return [...exchange.frames];
    case 'command':
      return bodies.slice(0, 1);
    case 'commandStream':
      return bodies.length === 0 ? [] : [Buffer.concat(bodies.filter((b) => b.length > 0))];
    case 'info':
      return exchange.frames.filter((f) => f[1] === MessageType.INFO).map((f) => ({ ...parseInfoReply(f.subarray(8)) }));
  }
}

function infoNames(request: Buffer): string[] {
  return request.subarray(8).toString('utf8').split('\n').slice(0, -1);
}

describeTransportContract('FakeTransport', () => new FakeHarness());
describeFramesContract('FakeTransport', () => new FakeHarness());
