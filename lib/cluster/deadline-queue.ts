// The total-timeout deadlines of a cluster's calls, grouped by the millisecond they fall due, with one
// scheduler action armed at a time, at the earliest deadline. Owns no call state; it only calls back.
// At tens of thousands of calls a second, a scheduler action per call (an AsyncAction, a Node timer
// armed and cleared) was a measurable part of each get$; one per millisecond of calls still cost
// about a µs of a sequential get$ (a timer armed and one cleared every millisecond). Calls mostly end
// long before their deadline, and with one timeout their deadlines only grow: so the action armed
// for the earliest group stays armed when that group empties, and re-arms for the earliest group left
// when it fires. A call that completes costs no timer work at all; an action fires about once per
// timeout period, or when a deadline is due. No timers of its own: everything runs on the injected
// scheduler.

import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { MAX_TIMER_DELAY_MS } from './capped-delay';

/** What a deadline calls back when it falls due. */
export interface DeadlineHolder {
  onDeadline(): void;
}

/** The holders falling due at one instant. */
export class DeadlineGroup {
  /** Holders in the order they were added; a cancelled one leaves undefined in its slot. */
  readonly holders: Array<DeadlineHolder | undefined> = [];
  live = 0;

  constructor(readonly dueMs: number) {}
}

function fireWork(this: SchedulerAction<DeadlineQueue>, queue?: DeadlineQueue): void {
  queue!.fireDue();
}

/**
 * add() returns the group a holder joined; its slot is `group.holders.length - 1` at that moment. A
 * group whose holders were all cancelled is dropped, except the latest, which waits for the next call
 * of its millisecond and is dropped as soon as a call starts another group. Invariant: while any group
 * is queued, one action is armed, due no later than the earliest of them. The action and the groups
 * are ES private fields: they lead to the scheduler's other pending work, which util.inspect of a
 * client must not walk into (under a TestScheduler that holds connect options). clear() cancels
 * everything when a cluster closes.
 */
export class DeadlineQueue {
  readonly #scheduler: SchedulerLike;
  readonly #groups = new Map<number, DeadlineGroup>();
  /** The group added to last: consecutive calls almost always share it, so the Map is rarely asked. */
  #latest: DeadlineGroup | undefined = undefined;
  #action: Subscription | undefined = undefined;
  /** When the armed action runs (Infinity: none armed). */
  #actionDueMs = Infinity;

  constructor(scheduler: SchedulerLike) {
    this.#scheduler = scheduler;
  }

  /**
   * Arms `holder.onDeadline()` for the instant `dueMs` on the scheduler's clock (rounded up to a whole
   * millisecond; one already past fires on the next scheduler turn). The clock is read only when the
   * instant is earlier than the armed action's: with one timeout, only the first call of a quiet queue.
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
        if (due < this.#actionDueMs) this.#arm(due);
      }
      this.#latest = group;
      // the group kept for a next call of its millisecond got none
      if (previous !== undefined && previous.live === 0) this.#drop(previous);
    }
    group.holders.push(holder);
    group.live++;
    return group;
  }

  /** Cancels the holder in `slot` of `group`; a holder already called back, cancelled or cleared is left alone. */
  cancel(group: DeadlineGroup, slot: number): void {
    if (group.holders[slot] === undefined) return;
    group.holders[slot] = undefined;
    if (--group.live > 0 || group === this.#latest) return;
    this.#drop(group);
  }

  /** The armed action ran: fires every group now due, earliest first, then re-arms for the next one. */
  fireDue(): void {
    this.#action = undefined;
    this.#actionDueMs = Infinity;
    const now = this.#scheduler.now();
    let due: DeadlineGroup[] | undefined;
    let next = Infinity;
    for (const group of this.#groups.values()) {
      if (group.dueMs <= now) (due ??= []).push(group);
      else if (group.dueMs < next) next = group.dueMs;
    }
    if (due !== undefined) {
      due.sort((a, b) => a.dueMs - b.dueMs);
      for (const group of due) {
        this.#groups.delete(group.dueMs);
        if (this.#latest === group) this.#latest = undefined;
      }
    }
    // armed before any holder runs: a holder may add (a retry) or cancel, and the invariant must hold then
    if (next < Infinity) this.#arm(next);
    if (due === undefined) return;
    for (const group of due) {
      const { holders } = group;
      for (let i = 0; i < holders.length; i++) {
        const holder = holders[i];
        if (holder === undefined) continue;
        holders[i] = undefined;
        group.live--;
        holder.onDeadline();
      }
    }
  }

  /** Cancels every group and the armed action (a closing cluster): none of their holders is called. */
  clear(): void {
    for (const group of this.#groups.values()) {
      group.holders.fill(undefined);
      group.live = 0;
    }
    this.#groups.clear();
    this.#latest = undefined;
    this.#disarm();
  }

  /** Groups queued (with live holders, or the latest kept for its millisecond), for stats and specs. */
  get armed(): number {
    return this.#groups.size;
  }

  /** The deadline the armed action is for (it runs earlier, and re-arms, when that is over MAX_TIMER_DELAY_MS away), or undefined when none is armed; for specs. */
  get actionDueMs(): number | undefined {
    return this.#action === undefined ? undefined : this.#actionDueMs;
  }

  #arm(dueMs: number): void {
    this.#disarm();
    this.#actionDueMs = dueMs;
    // capped at what a Node timer holds: a deadline further away wakes fireDue early, which re-arms for it
    this.#action = this.#scheduler.schedule(fireWork, Math.min(MAX_TIMER_DELAY_MS, Math.max(0, dueMs - this.#scheduler.now())), this);
  }

  #disarm(): void {
    const action = this.#action;
    this.#action = undefined;
    this.#actionDueMs = Infinity;
    action?.unsubscribe();
  }

  /** A group with no live holder leaves the queue; the action stays armed (it re-arms when it fires). */
  #drop(group: DeadlineGroup): void {
    if (this.#groups.get(group.dueMs) === group) this.#groups.delete(group.dueMs);
    if (this.#latest === group) this.#latest = undefined;
    if (this.#groups.size === 0) this.#disarm();
  }
}
