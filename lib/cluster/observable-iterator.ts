// An Observable consumed as an AsyncIterator: values queue until pulled, the first next() subscribes,
// return() unsubscribes and ends a pending next(). No backpressure (the source is not slowed down):
// the fallback for a transport without frames().

import type { Observable, Subscription } from 'rxjs';

export function observableIterator<T>(source$: Observable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const queue: T[] = [];
      let done = false;
      let failure: { error: unknown } | undefined;
      let wake: (() => void) | undefined;
      let subscription: Subscription | undefined;
      const notify = (): void => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      return {
        async next(): Promise<IteratorResult<T>> {
          subscription ??= source$.subscribe({
            next: (value) => {
              queue.push(value);
              notify();
            },
            error: (error: unknown) => {
              failure = { error };
              notify();
            },
            complete: () => {
              done = true;
              notify();
            },
          });
          while (queue.length === 0 && !done && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
          if (queue.length > 0) return { value: queue.shift()!, done: false };
          if (failure !== undefined) throw failure.error;
          return { value: undefined, done: true };
        },
        async return(): Promise<IteratorResult<T>> {
          done = true;
          queue.length = 0;
          subscription?.unsubscribe();
          notify();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
