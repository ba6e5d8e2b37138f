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
      let wake: (() => void) | undefined;
      const notify = (): void => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const resume = (): void => {
        if (!paused) return;
        paused = false;
        flow.resumeReading();
      };
      let subscription: Subscription | undefined;
      const start = (): void => {
        subscription = source$.subscribe({
          next: (frame) => {
            queue.push(frame);
            queuedBytes += frame.length;
            if (!paused && (queuedBytes >= highBytes || queue.length - head >= highFrames)) {
              paused = true;
              flow.pauseReading();
            }
            notify();
          },
          error: (error: unknown) => {
            failure = { error };
            notify();
          },
          complete: () => {
            completed = true;
            notify();
          },
        });
      };
      return {
        async next(): Promise<IteratorResult<Buffer>> {
          if (subscription === undefined) start();
          while (head === queue.length && !completed && failure === undefined) {
            await new Promise<void>((resolve) => (wake = resolve));
          }
          if (head < queue.length) {
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
          }
          if (failure !== undefined) throw failure.error;
          return { value: undefined, done: true };
        },
        async return(): Promise<IteratorResult<Buffer>> {
          subscription?.unsubscribe();
          completed = true;
          queue.length = 0;
          head = 0;
          resume();
          // a next() waiting for a frame (another task merging several streams) ends now, not at the deadline
          notify();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
