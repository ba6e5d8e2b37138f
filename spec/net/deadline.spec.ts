import { TestScheduler } from 'rxjs/testing';
import { MAX_TIMER_DELAY_MS, scheduleDeadline } from '../../lib/net/deadline';

describe('scheduleDeadline', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    // flush() stops at maxFrames (750 by default); these deadlines are billions of virtual ms away
    scheduler.maxFrames = Number.POSITIVE_INFINITY;
  });

  it('fires once the delay has passed, in steps no longer than a Node timer holds', () => {
    const firedAt: number[] = [];
    const delay = 2 * MAX_TIMER_DELAY_MS + 10;
    scheduleDeadline(scheduler, delay, () => firedAt.push(scheduler.now()));
    scheduler.flush();
    expect(firedAt).toEqual([delay]);
  });

  it('fires a short delay on time', () => {
    const firedAt: number[] = [];
    scheduleDeadline(scheduler, 30, () => firedAt.push(scheduler.now()));
    scheduler.flush();
    expect(firedAt).toEqual([30]);
  });

  it('never fires once unsubscribed, even between steps', () => {
    let fired = false;
    const deadline = scheduleDeadline(scheduler, 3 * MAX_TIMER_DELAY_MS, () => (fired = true));
    let cancelledAt = -1;
    scheduler.schedule(() => {
      deadline.unsubscribe();
      cancelledAt = scheduler.now();
    }, MAX_TIMER_DELAY_MS + 5);
    scheduler.flush();
    expect(cancelledAt).toBe(MAX_TIMER_DELAY_MS + 5);
    expect(fired).toBeFalse();
  });
});
