// Deadlines longer than a Node timer can hold: Node fires delays above 2^31-1 ms after 1 ms
// (with a TimeoutOverflowWarning), so long deadlines are waited out in capped steps.

import { Subscription, type SchedulerLike } from 'rxjs';

/** The longest delay a Node timer honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Calls `fire` once `delayMs` has passed on `scheduler`; unsubscribing cancels it. */
export function scheduleDeadline(scheduler: SchedulerLike, delayMs: number, fire: () => void): Subscription {
  const holder = new Subscription();
  const due = scheduler.now() + delayMs;
  const step = (): void => {
    const remaining = due - scheduler.now();
    if (remaining <= 0) {
      fire();
      return;
    }
    holder.add(scheduler.schedule(step, Math.min(remaining, MAX_TIMER_DELAY_MS)));
  };
  holder.add(scheduler.schedule(step, Math.min(delayMs, MAX_TIMER_DELAY_MS)));
  return holder;
}
