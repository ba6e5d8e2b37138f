// One command$ round trip with its outcome handed to a ReplySink: the transport's own commandCall
// when it has one (TcpTransport: no Observable per call), else its command$ behind a Subscriber that
// turns the reply into sink.reply. No sockets, no timers.

import { Subscriber } from 'rxjs';
import { AerospikeError } from '../errors';
import type { CommandOptions, Connection, NodeTransport, PendingCall, ReplySink, Request } from '../node-transport';

/** Sends `request` on `conn`; exactly one of sink.reply / sink.fail follows unless the call is cancelled first. */
export function commandCall(transport: NodeTransport, conn: Connection, request: Request, deadlineMs: number, opts: CommandOptions | undefined, sink: ReplySink): PendingCall {
  if (transport.commandCall !== undefined) return transport.commandCall(conn, request, deadlineMs, opts, sink);
  const call = new Command$Call(sink);
  transport.command$(conn, request, deadlineMs, opts).subscribe(call);
  return call;
}

/** command$ seen as a commandCall: its one value is the reply; it unsubscribes before handing it on. */
class Command$Call extends Subscriber<Buffer> implements PendingCall {
  constructor(private readonly sink: ReplySink) {
    super();
  }

  protected override _next(body: Buffer): void {
    this.unsubscribe();
    this.sink.reply(body);
  }

  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.sink.fail(error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.sink.fail(new AerospikeError('parse_error', "the transport's command$ completed without a reply"));
  }

  cancel(): void {
    this.unsubscribe();
  }
}
