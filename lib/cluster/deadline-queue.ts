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

/** The holders falling due at one instant, and the one scheduler action that fires them. */
export class DeadlineGroup {
  /** Holders in the order they were added; a cancelled one leaves undefined in its slot. */
  readonly holders: Array<DeadlineHolder | undefined> = [];
  live = 0;
  action: Subscription | undefined = undefined;

  constructor(readonly dueMs: number) {}
}

function fireWork(this: SchedulerAction<[DeadlineQueue, DeadlineGroup]>, state?: [DeadlineQueue, DeadlineGroup]): void {
  state![0].fire(state![1]);
}

/**
 * add() returns the group a holder joined; its slot is `group.holders.length - 1` at that moment. A
 * group whose holders were all cancelled is disarmed at once, so nothing stays scheduled for calls
 * that ended; clear() cancels every armed group when a cluster closes.
 */
export class DeadlineQueue {
  private readonly groups = new Map<number, DeadlineGroup>();
  /** The group added to last: consecutive calls almost always share it, so the Map is rarely asked. */
  private latest: DeadlineGroup | undefined = undefined;

  constructor(private readonly scheduler: SchedulerLike) {}

  /**
   * Arms `holder.onDeadline()` for the instant `dueMs` on the scheduler's clock (rounded up to a whole
   * millisecond; one already past fires on the next scheduler turn). The clock is read only when the
   * instant needs a new group: a call joining the group of the one before it reads no time at all.
   */
  add(holder: DeadlineHolder, dueMs: number): DeadlineGroup {
    const due = Math.ceil(dueMs);
    let group = this.latest;
    if (group === undefined || group.dueMs !== due) {
      group = this.groups.get(due);
      if (group === undefined) {
        group = new DeadlineGroup(due);
        this.groups.set(due, group);
        group.action = this.scheduler.schedule(fireWork, Math.max(0, due - this.scheduler.now()), [this, group]);
      }
      this.latest = group;
    }
    group.holders.push(holder);
    group.live++;
    return group;
  }

  /**
   * Cancels the holder in `slot` of `group`; a group already fired or cleared is left alone. The last
   * holder of a group disarms it: a group left to lapse woke an otherwise idle event loop once per
   * millisecond of past calls (a sequential caller paid ~5 µs per get for those wake-ups).
   */
  cancel(group: DeadlineGroup, slot: number): void {
    if (group.holders[slot] === undefined) return;
    group.holders[slot] = undefined;
    if (--group.live > 0) return;
    group.action?.unsubscribe();
    group.action = undefined;
    if (this.groups.get(group.dueMs) === group) this.groups.delete(group.dueMs);
    if (this.latest === group) this.latest = undefined;
  }

  /** Runs the group's live holders in the order they were added. */
  fire(group: DeadlineGroup): void {
    this.groups.delete(group.dueMs);
    if (this.latest === group) this.latest = undefined;
    group.action = undefined;
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
    for (const group of this.groups.values()) {
      group.action?.unsubscribe();
      group.action = undefined;
      group.holders.fill(undefined);
      group.live = 0;
    }
    this.groups.clear();
    this.latest = undefined;
  }

  /** Groups armed, for stats and specs. */
  get armed(): number {
    return this.groups.size;
  }
}
