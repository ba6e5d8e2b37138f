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

  it('keeps the latest group armed for the next call of its millisecond, and disarms it when a later call arms another group', () => {
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
      scheduler.schedule(() => queue.add(holder(log, 'c', scheduler), scheduler.now() + 100), 50);
      flush();
      // a and b were cancelled; c's group disarmed the idle one at 50, and c fired at 150
      expect(log).toEqual(['c@150']);
      expect(queue.armed).toBe(0);
    });
  });

  it('disarms a group that is not the latest as soon as its last holder is cancelled', () => {
    const scheduler = newScheduler();
    scheduler.run(() => {
      const queue = new DeadlineQueue(scheduler);
      const log: string[] = [];
      const early = queue.add(holder(log, 'a', scheduler), scheduler.now() + 100);
      queue.add(holder(log, 'b', scheduler), scheduler.now() + 200);
      queue.cancel(early, 0);
      expect(queue.armed).toBe(1);
      expect(scheduler.actions.filter((a) => !a.closed).length).toBe(1);
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
});
