import { catchError, finalize, switchMap, throwError, type Observable } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import type { Connection, NodeTransport, Request } from '../../lib/node-transport';
import { FakeTransport } from '../../lib/testing/fake-transport';
import { asMsgFrame, asMsgRecord } from '../../lib/testing/frame-builders';

/** The README's request: a whole as_msg frame (TcpTransport and FakeTransport refuse anything else). */
const request = asMsgFrame(asMsgRecord());
import { testScheduler } from './marble-helpers';

/**
 * The README's worked example: retry command$ once, only on timeout. A timeout destroys the
 * connection (the reply may still be in flight), so the retry runs on a fresh one, closed after use.
 */
export function withOneRetryOnTimeout(transport: NodeTransport, conn: Connection, request: Request, deadlineMs: number): Observable<Buffer> {
  const retry$ = transport.connect$(conn.host, conn.port).pipe(
    switchMap((fresh) => transport.command$(fresh, request, deadlineMs, { attempt: 1 }).pipe(finalize(() => transport.close(fresh)))),
  );
  return transport.command$(conn, request, deadlineMs).pipe(
    catchError((e: unknown) => (e instanceof AerospikeError && e.code === 'timeout' ? retry$ : throwError(() => e))),
  );
}

describe('README example: withOneRetryOnTimeout', () => {
  it('retries once on a fresh connection after a timeout, in virtual time', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const fake = new FakeTransport({ nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
      const reply = asMsgRecord({ generation: 1 });
      const slow = cold('-------r|', { r: reply });
      fake.scriptCommand('n1', slow); // slower than the 5 ms deadline
      fake.scriptCommand('n1', cold('--r|', { r: reply }));
      fake.connect$('10.0.0.1', 3000).subscribe((conn) => {
        expectObservable(withOneRetryOnTimeout(fake, conn, request, 5)).toBe('-------(r|)', { r: reply });
      });
      expectSubscriptions(slow.subscriptions).toBe('^----!');
    });
  });

  it('does not retry other errors, and unsubscribing reaches the scripted reply', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const fake = new FakeTransport({ nodes: [{ id: 'n1', host: '10.0.0.1', port: 3000 }] });
      const boom = new AerospikeError('server_error', 'boom');
      fake.scriptCommand('n1', cold('-#', undefined, boom));
      const pending = cold('----r|', { r: asMsgRecord() });
      fake.scriptCommand('n1', pending);
      fake.connect$('10.0.0.1', 3000).subscribe((conn) => {
        expectObservable(withOneRetryOnTimeout(fake, conn, request, 5)).toBe('-#', undefined, boom.withContext('10.0.0.1:3000', true));
      });
      fake.connect$('10.0.0.1', 3000).subscribe((conn) => {
        expectObservable(withOneRetryOnTimeout(fake, conn, request, 5), '^-!').toBe('--');
      });
      expectSubscriptions(pending.subscriptions).toBe('^-!');
    });
  });
});
