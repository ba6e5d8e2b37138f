// Scheduled delays in lib/cluster never exceed what a Node timer holds. Policies and cluster options
// accept durations up to 2^32-1 ms (a 32-bit field on the wire), but Node's setTimeout/setInterval,
// behind RxJS's asyncScheduler, turn any delay above 2^31-1 ms into 1 ms (TimeoutOverflowWarning): a
// 25-day retry pause would run after 1 ms, and a deadline that far away would wake its queue every
// millisecond. A longer delay runs in steps of at most MAX_TIMER_DELAY_MS on the injected scheduler,
// each re-reading its clock, until it is due. No timers of its own.

import { Observable, Subscription, timer, type SchedulerAction, type SchedulerLike, type Subscriber } from 'rxjs';

/** The longest delay handed to a scheduler: 2^31-1 ms (about 24.8 days), Node's timer limit. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A delay longer than MAX_TIMER_DELAY_MS: one capped step after another, then `work` once due. */
class SteppedDelay<T> extends Subscription {
  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
    private readonly dueMs: number,
    private readonly state: T | undefined,
  ) {
    super();
  }

  step(): void {
    if (this.closed) return;
    const leftMs = this.dueMs - this.scheduler.now();
    this.add(leftMs > MAX_TIMER_DELAY_MS ? this.scheduler.schedule(stepWork<T>, MAX_TIMER_DELAY_MS, this as SteppedDelay<T>) : this.scheduler.schedule(this.work, Math.max(0, leftMs), this.state));
  }
}

function stepWork<T>(this: SchedulerAction<SteppedDelay<T>>, delay?: SteppedDelay<T>): void {
  delay!.step();
}

/** scheduler.schedule(work, delayMs, state), in capped steps when the delay is longer than a Node timer holds. */
export function scheduleCapped<T>(scheduler: SchedulerLike, work: (this: SchedulerAction<T>, state?: T) => void, delayMs: number, state?: T): Subscription {
  if (!(delayMs > MAX_TIMER_DELAY_MS)) return scheduler.schedule(work, delayMs, state);
  const delay = new SteppedDelay(scheduler, work, scheduler.now() + delayMs, state);
  delay.step();
  return delay;
}

/** `scheduler` with every schedule() delay capped (for operators that take a scheduler, as timeout does). */
export function cappedScheduler(scheduler: SchedulerLike): SchedulerLike {
  return {
    now: () => scheduler.now(),
    schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T) => scheduleCapped(scheduler, work, delay, state),
  };
}

function emitWork(this: SchedulerAction<Subscriber<0>>, subscriber?: Subscriber<0>): void {
  subscriber!.next(0);
  subscriber!.complete();
}

/** timer(delayMs, scheduler), in capped steps when the delay is longer than a Node timer holds. */
export function cappedTimer(delayMs: number, scheduler: SchedulerLike): Observable<0> {
  if (!(delayMs > MAX_TIMER_DELAY_MS)) return timer(delayMs, scheduler) as Observable<0>;
  return new Observable<0>((subscriber) => scheduleCapped(scheduler, emitWork, delayMs, subscriber));
}
