// The total-timeout deadlines of a cluster's calls, grouped by the millisecond they fall due: one
// scheduler action per group instead of one per call. Owns no call state; it only calls back.
// At tens of thousands of calls a second, a scheduler action per call (an AsyncAction, a Node timer
// armed and cleared) was a measurable part of each get$; calls issued in the same millisecond with
// the same timeout share a group. No timers of its own: everything runs on the injected scheduler.

import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/** What a deadline calls back when it falls due. */
export interface DeadlineHolder {
  onDeadline(): void;
}

/**
 * The holders falling due at one instant, and the one scheduler action that fires them. The action
 * is an ES private field, as are the queue's: they lead to the scheduler's other pending work, which
 * util.inspect of a client must not walk into (under a TestScheduler that holds connect options).
 */
export class DeadlineGroup {
  /** Holders in the order they were added; a cancelled one leaves undefined in its slot. */
  readonly holders: Array<DeadlineHolder | undefined> = [];
  live = 0;
  #action: Subscription | undefined = undefined;

  constructor(readonly dueMs: number) {}

  arm(action: Subscription): void {
    this.#action = action;
  }

  /** Unsubscribes the action, if armed; true when it was. */
  disarm(): boolean {
    const action = this.#action;
    this.#action = undefined;
    action?.unsubscribe();
    return action !== undefined;
  }

  /** The action ran: nothing left to unsubscribe. */
  fired(): void {
    this.#action = undefined;
  }

  get armed(): boolean {
    return this.#action !== undefined;
  }
}

function fireWork(this: SchedulerAction<[DeadlineQueue, DeadlineGroup]>, state?: [DeadlineQueue, DeadlineGroup]): void {
  state![0].fire(state![1]);
}

/**
 * add() returns the group a holder joined; its slot is `group.holders.length - 1` at that moment. A
 * group whose holders were all cancelled is disarmed, except the latest, which waits for the next
 * call of its millisecond (a sequential caller's next call, most often: arming and clearing a Node
 * timer per call cost ~5 µs of a sequential put) and is disarmed as soon as a call arms another
 * group. So at most one group with no live call is ever armed, and none lapses while calls go on.
 * clear() cancels every armed group when a cluster closes.
 */
export class DeadlineQueue {
  readonly #scheduler: SchedulerLike;
  readonly #groups = new Map<number, DeadlineGroup>();
  /** The group added to last: consecutive calls almost always share it, so the Map is rarely asked. */
  #latest: DeadlineGroup | undefined = undefined;

  constructor(scheduler: SchedulerLike) {
    this.#scheduler = scheduler;
  }

  /**
   * Arms `holder.onDeadline()` for the instant `dueMs` on the scheduler's clock (rounded up to a whole
   * millisecond; one already past fires on the next scheduler turn). The clock is read only when the
   * instant needs a new group: a call joining the group of the one before it reads no time at all.
   */
  add(holder: DeadlineHolder, dueMs: number): DeadlineGroup {
    const due = Math.ceil(dueMs);
    let group = this.#latest;
    if (group === undefined || group.dueMs !== due) {
      const previous = group;
      group = this.#groups.get(due);
      if (group === undefined) {
        group = new DeadlineGroup(due);
        this.#groups.set(due, group);
        group.arm(this.#scheduler.schedule(fireWork, Math.max(0, due - this.#scheduler.now()), [this, group]));
      }
      this.#latest = group;
      // the group kept for a next call of its millisecond got none: disarmed before it could lapse
      if (previous !== undefined && previous.live === 0) this.#disarm(previous);
    }
    group.holders.push(holder);
    group.live++;
    return group;
  }

  /** Cancels the holder in `slot` of `group`; a group already fired or cleared is left alone. */
  cancel(group: DeadlineGroup, slot: number): void {
    if (group.holders[slot] === undefined) return;
    group.holders[slot] = undefined;
    if (--group.live > 0 || group === this.#latest) return;
    this.#disarm(group);
  }

  /** Runs the group's live holders in the order they were added. */
  fire(group: DeadlineGroup): void {
    this.#groups.delete(group.dueMs);
    if (this.#latest === group) this.#latest = undefined;
    group.fired();
    const { holders } = group;
    for (let i = 0; i < holders.length; i++) {
      const holder = holders[i];
      if (holder === undefined) continue;
      holders[i] = undefined;
      group.live--;
      holder.onDeadline();
    }
  }

  /** Cancels every armed group (a closing cluster): none of their holders is called. */
  clear(): void {
    for (const group of this.#groups.values()) {
      group.disarm();
      group.holders.fill(undefined);
      group.live = 0;
    }
    this.#groups.clear();
    this.#latest = undefined;
  }

  /** Groups armed, for stats and specs. */
  get armed(): number {
    return this.#groups.size;
  }

  #disarm(group: DeadlineGroup): void {
    group.disarm();
    if (this.#groups.get(group.dueMs) === group) this.#groups.delete(group.dueMs);
    if (this.#latest === group) this.#latest = undefined;
  }
}
