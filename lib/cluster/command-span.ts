// The aerospike:command span around one client call (client-design.md §C6): opened on subscribe,
// closed once with the result (`ok`, the error code, or `cancelled`), the attempts made and the
// node of the last attempt. Nothing is built while the channel has no subscribers.

import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { AerospikeError } from '../errors';
import { clusterChannels, finishSpan, startSpan, type CommandSpanContext } from '../telemetry';
import type { ClusterNode } from './cluster-node';

export interface SpanProgress {
  readonly attempts: number;
  readonly lastNode: ClusterNode | undefined;
}

/**
 * `singleValue`: the call emits one value and is done (key commands, batches): the span ends `ok` at
 * that value, so a consumer that unsubscribes right after it (`firstValueFrom`) is not seen as cancelling.
 */
export function withCommandSpan<T>(describe: () => Omit<CommandSpanContext, 'attempts' | 'node'>, progress: SpanProgress, singleValue = false): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const span = startSpan(clusterChannels.command, (): CommandSpanContext => ({ ...describe(), attempts: 0, node: undefined }));
      let ended = false;
      const end = (result: string, error?: unknown): void => {
        if (ended) return;
        ended = true;
        if (span === undefined) return;
        span.attempts = progress.attempts;
        span.node = progress.lastNode?.name;
        span.result = result;
        if (result === 'cancelled') span.cancelled = true;
        finishSpan(clusterChannels.command, span, error);
      };
      const inner = source.subscribe({
        next: (value) => {
          if (singleValue) end('ok');
          subscriber.next(value);
        },
        error: (error: unknown) => {
          end(error instanceof AerospikeError ? error.code : 'error', error);
          subscriber.error(error);
        },
        complete: () => {
          end('ok');
          subscriber.complete();
        },
      });
      return () => {
        inner.unsubscribe();
        end('cancelled');
      };
    });
}
