// stream$ as an AsyncIterable with backpressure: frames queue up to a high-water mark, then the
// socket stops being read (TCP flow control stalls the server) until the consumer drains the queue.
// Breaking out of the loop (or throwing in it) tears down like unsubscribing. Socket-free: the
// FakeTransport serves frames() with it too, over its own flow control.

import type { Observable, Subscription } from 'rxjs';
import type { FramesOptions } from '../node-transport';

export interface FlowControl {
  pauseReading(): void;
  resumeReading(): void;
}

export type BackpressureLimits = Pick<FramesOptions, 'highWaterBytes' | 'highWaterFrames'>;

function limit(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${value === null ? 'null' : typeof value}`);
  if (!(value >= 1) || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number of at least 1, got ${value}`);
  return value;
}

/** The limits are checked at call time (TypeError/RangeError); the source is subscribed on the first next(). */
export function backpressuredFrames(source$: Observable<Buffer>, flow: FlowControl, limits: BackpressureLimits = {}): AsyncIterable<Buffer> {
  const highBytes = limit('highWaterBytes', limits.highWaterBytes, 8 * 1024 * 1024);
  const highFrames = limit('highWaterFrames', limits.highWaterFrames, 256);
  return {
    [Symbol.asyncIterator](): AsyncIterator<Buffer> {
      const queue: Buffer[] = [];
      let head = 0;
      let queuedBytes = 0;
      let paused = false;
      let completed = false;
      let failure: { error: unknown } | undefined;
      // next() calls waiting for a frame, oldest first (a task merging several streams may have more
      // than one pending): each settles with one frame, the end or the error, in call order.
      // Only ever non-empty while the queue is empty and the source is still running.
      const waiting: Array<{ resolve: (result: IteratorResult<Buffer>) => void; reject: (error: unknown) => void }> = [];
      const resume = (): void => {
        if (!paused) return;
        paused = false;
        flow.resumeReading();
      };
      /** The oldest queued frame, taken off the queue. */
      const take = (): IteratorResult<Buffer> => {
        const frame = queue[head]!;
        queue[head++] = undefined as unknown as Buffer;
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        queuedBytes -= frame.length;
        // Resume at half the mark, so a slow consumer does not flip the socket every frame.
        if (paused && queuedBytes <= highBytes / 2 && queue.length - head <= highFrames / 2) resume();
        return { value: frame, done: false };
      };
      /** Settles the waiting next() calls, oldest first, with what there is to hand out. */
      const settle = (): void => {
        while (waiting.length > 0) {
          if (head < queue.length) waiting.shift()!.resolve(take());
          else if (failure !== undefined) waiting.shift()!.reject(failure.error);
          else if (completed) waiting.shift()!.resolve({ value: undefined, done: true });
          else return;
        }
      };
      let subscription: Subscription | undefined;
      const start = (): void => {
        subscription = source$.subscribe({
          next: (frame) => {
            queue.push(frame);
            queuedBytes += frame.length;
            settle();
            if (!paused && (queuedBytes >= highBytes || queue.length - head >= highFrames)) {
              paused = true;
              flow.pauseReading();
            }
          },
          error: (error: unknown) => {
            failure = { error };
            settle();
          },
          complete: () => {
            completed = true;
            settle();
          },
        });
      };
      return {
        next(): Promise<IteratorResult<Buffer>> {
          try {
            if (subscription === undefined) start();
          } catch (err) {
            return Promise.reject(err);
          }
          if (waiting.length === 0) {
            if (head < queue.length) return Promise.resolve(take());
            if (failure !== undefined) return Promise.reject(failure.error);
            if (completed) return Promise.resolve({ value: undefined, done: true });
          }
          return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
        },
        async return(): Promise<IteratorResult<Buffer>> {
          subscription?.unsubscribe();
          completed = true;
          queue.length = 0;
          head = 0;
          queuedBytes = 0;
          resume();
          // every next() waiting for a frame (another task merging several streams) ends now, not at the deadline
          settle();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
