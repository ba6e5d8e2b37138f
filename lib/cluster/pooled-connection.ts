// Runs one operation on a connection checked out of a node pool and hands the connection back only
// when that operation ended normally; an error or an early unsubscribe discards it (the transport
// destroyed the socket already). The one place that decides a connection's fate after use.

import { Observable } from 'rxjs';
import type { Connection } from '../node-transport';
import type { NodePool } from './node-pool';

/**
 * `use(conn)` on a pooled connection. 'value': the connection is released when the first value
 * arrives (single-reply operations free the connection before emitting); 'complete': when `use`
 * completes (streams). `onCheckedOut` runs once the connection is in hand, before `use` subscribes.
 */
export function withPooledConnection$<T>(
  pool: NodePool,
  use: (conn: Connection) => Observable<T>,
  releaseOn: 'value' | 'complete',
  onCheckedOut?: (conn: Connection) => void,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let conn: Connection | undefined;
    let returned = false;
    const giveBack = (ok: boolean): void => {
      if (conn === undefined || returned) return;
      returned = true;
      if (ok) pool.release(conn);
      else pool.discard(conn);
    };
    let inner: { unsubscribe(): void } | undefined;
    const checkout = pool.checkout$().subscribe({
      next: (c) => {
        conn = c;
        onCheckedOut?.(c);
        inner = use(c).subscribe({
          next: (value) => {
            if (releaseOn === 'value') giveBack(true);
            subscriber.next(value);
          },
          error: (err: unknown) => {
            giveBack(false);
            subscriber.error(err);
          },
          complete: () => {
            giveBack(true);
            subscriber.complete();
          },
        });
      },
      error: (err: unknown) => subscriber.error(err),
    });
    return () => {
      checkout.unsubscribe();
      inner?.unsubscribe();
      giveBack(false);
    };
  });
}
