import { TestScheduler } from 'rxjs/testing';
import { DeadlineQueue, type DeadlineHolder } from '../../lib/cluster/deadline-queue';

function newScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

function holder(log: string[], name: string, scheduler: TestScheduler): DeadlineHolder {
  return { onDeadline: () => log.push(`${name}@${scheduler.now()}`) };
}

describe('DeadlineQueue', () => {
  it('calls a holder back at its deadline', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      flush();
      expect(log).toEqual(['a@100']);
    });
  });

  it('arms one scheduler action for every holder falling due in the same millisecond', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      const first = queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      const second = queue.add(holder(log, 'b', scheduler), scheduler.now() + 100);
      expect(second).toBe(first);
      expect(scheduler.actions.length).toBe(1);
      expect(queue.armed).toBe(1);
      flush();
      expect(log).toEqual(['a@100', 'b@100']);
    });
  });

  it('keeps deadlines in different milliseconds apart, each at its own time', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      queue.add(holder(log, 'late', scheduler), scheduler.now() + 300);
      queue.add(holder(log, 'early', scheduler), scheduler.now() + 100);
      queue.add(holder(log, 'late2', scheduler), scheduler.now() + 300);
      expect(queue.armed).toBe(2);
      flush();
      expect(log).toEqual(['early@100', 'late@300', 'late2@300']);
    });
  });

  it('rounds a fractional deadline up to the next whole millisecond', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      queue.add(holder(log, 'a', scheduler), scheduler.now() + 99.2);
      flush();
      expect(log).toEqual(['a@100']);
    });
  });

  it('does not call a cancelled holder, and still calls the others of its group', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      const group = queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      const slotA = group.holders.length - 1;
      queue.add(holder(log, 'b', scheduler), scheduler.now() + 100);
      queue.cancel(group, slotA);
      queue.cancel(group, slotA);
      expect(group.live).toBe(1);
      flush();
      expect(log).toEqual(['b@100']);
    });
  });

  it('keeps the latest group for the next call of its millisecond, and drops it when a later call starts another group', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      const group = queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      queue.cancel(group, 0);
      expect(queue.armed).toBe(1);
      // the next call in the same millisecond joins it: no new scheduler action
      expect(queue.add(holder(log, 'b', scheduler), scheduler.now() + 100)).toBe(group);
      expect(scheduler.actions.filter((a) => !a.closed).length).toBe(1);
      queue.cancel(group, 1);
      scheduler.schedule(() => {
        queue.add(holder(log, 'c', scheduler), scheduler.now() + 100);
        // the idle group was dropped; the action armed for it stays, and re-arms for c when it runs
        expect(queue.armed).toBe(1);
        expect(queue.actionDueMs).toBe(100);
      }, 50);
      flush();
      expect(log).toEqual(['c@150']);
      expect(queue.armed).toBe(0);
      expect(queue.actionDueMs).toBeUndefined();
    });
  });

  it('drops a group that is not the latest as soon as its last holder is cancelled', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      const early = queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      queue.add(holder(log, 'b', scheduler), scheduler.now() + 200);
      queue.cancel(early, 0);
      expect(queue.armed).toBe(1);
      expect(scheduler.actions.filter((a) => !a.closed).length).toBe(1);
      flush();
      expect(log).toEqual(['b@200']);
    });
  });

  it('keeps one scheduler action armed, at the earliest deadline, however many groups there are', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      queue.add(holder(log, 'c', scheduler), scheduler.now() + 300);
      expect(queue.actionDueMs).toBe(300);
      queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      expect(queue.actionDueMs).toBe(100);
      queue.add(holder(log, 'b', scheduler), scheduler.now() + 200);
      expect(queue.actionDueMs).toBe(100);
      expect(queue.armed).toBe(3);
      expect(scheduler.actions.filter((a) => !a.closed).length).toBe(1);
      flush();
      expect(log).toEqual(['a@100', 'b@200', 'c@300']);
      expect(queue.actionDueMs).toBeUndefined();
    });
  });

  it('arms no timer for calls that end before their deadline once one is armed: the action runs about once per timeout', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const log: string[] = [];
      let schedules = 0;
      const counting = { now: () => scheduler.now(), schedule: (...args: Parameters<TestScheduler['schedule']>) => (schedules++, scheduler.schedule(...args)) };
      const counted = new DeadlineQueue(counting as never);
      // a sequential caller: one call every 0.25 ms for 2 s, each ending at once, with a 1000 ms timeout
      for (let t = 0; t < 2000; t += 0.25) {
        scheduler.schedule(() => {
          const group = counted.add(holder(log, 'x', scheduler), scheduler.now() + 1000);
          counted.cancel(group, group.holders.length - 1);
        }, t);
      }
      flush();
      expect(log).toEqual([]);
      // the first call's action, then one re-arm each time it runs (at 1000, 2000 and the last group's 2999)
      expect(schedules).toBeLessThanOrEqual(4);
      expect(counted.armed).toBe(0);
    });
  });

  it('fires a deadline already past on the next scheduler turn', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      scheduler.schedule(() => queue.add(holder(log, 'late', scheduler), scheduler.now() - 5), 10);
      flush();
      expect(log).toEqual(['late@10']);
    });
  });

  it('lets a holder called back add a deadline of its own (a retry), fired at its time', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      queue.add({ onDeadline: () => (log.push(`a@${scheduler.now()}`), queue.add(holder(log, 'retry', scheduler), scheduler.now() + 50)) }, 100);
      queue.add(holder(log, 'b', scheduler), 120);
      flush();
      expect(log).toEqual(['a@100', 'b@120', 'retry@150']);
    });
  });

  it('clear() disarms every group: no holder is called and no action stays scheduled', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      queue.add(holder(log, 'b', scheduler), scheduler.now() + 200);
      queue.clear();
      expect(scheduler.actions.filter((a) => !a.closed).length).toBe(0);
      flush();
      expect(log).toEqual([]);
      expect(queue.armed).toBe(0);
    });
  });

  it('ignores a cancel of a holder whose group already fired', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      const group = queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      flush();
      queue.cancel(group, 0);
      expect(group.live).toBe(0);
      expect(log).toEqual(['a@100']);
    });
  });

  it('does not call a holder that another holder of its group cancelled while the group fired', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      let group: ReturnType<DeadlineQueue['add']> | undefined;
      group = queue.add({ onDeadline: () => (log.push(`a@${scheduler.now()}`), queue.cancel(group!, 1)) }, 100);
      queue.add(holder(log, 'b', scheduler), 100);
      queue.add(holder(log, 'c', scheduler), 100);
      flush();
      expect(log).toEqual(['a@100', 'c@100']);
      expect(queue.armed).toBe(0);
    });
  });
});
