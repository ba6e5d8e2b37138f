// Delays longer than a Node timer holds (2^31-1 ms; Node runs a longer one after 1 ms): policies and
// cluster options accept up to 2^32-1 ms, so lib/cluster schedules such a delay in capped steps until
// it is due. Virtual time; every delay handed to the scheduler is recorded.
import { asyncScheduler, firstValueFrom, mergeMap, shareReplay } from 'rxjs';
import { MAX_TIMER_DELAY_MS } from '../../lib/cluster/capped-delay';
import { Cluster } from '../../lib/cluster/cluster';
import { DeadlineQueue } from '../../lib/cluster/deadline-queue';
import { AerospikeError } from '../../lib/errors';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { getCommand, readPolicy, runMarbles } from './cluster-harness';

const LONGEST = 2 ** 32 - 1;

/** The delays asyncScheduler (virtual inside runMarbles) is asked for from now on. */
function recordDelays(): number[] {
  const delays: number[] = [];
  const schedule = asyncScheduler.schedule.bind(asyncScheduler);
  spyOn(asyncScheduler, 'schedule').and.callFake(((work: never, delay?: number, state?: never) => {
    delays.push(delay ?? 0);
    return schedule(work, delay, state);
  }) as typeof asyncScheduler.schedule);
  return delays;
}

describe('Delays longer than a Node timer holds', () => {
  it('a deadline 2^32-1 ms away is armed in steps a Node timer holds, and fires when due', () => {
    const log: number[] = [];
    let delays: number[] = [];
    runMarbles((r) => {
      delays = recordDelays();
      const queue = new DeadlineQueue(asyncScheduler);
      queue.add({ onDeadline: () => log.push(r.scheduler.now()) }, asyncScheduler.now() + LONGEST);
    }, LONGEST + 1);
    expect(log).toEqual([LONGEST]);
    expect(Math.max(...delays)).toBe(MAX_TIMER_DELAY_MS);
  });

  it('a pause between attempts of 2^31+10000 ms is slept in capped steps, and the retry runs when it is due', () => {
    const sleepMs = 2 ** 31 + 10_000;
    let delays: number[] = [];
    runMarbles((r) => {
      delays = recordDelays();
      const fake = new FakeCluster({ nodes: ['A', 'B'], ownership: ['A', 'B'] });
      fake.transport.scriptCommand('A', new AerospikeError('network_error', 'reset'));
      fake.transport.scriptCommand('B', asMsgRecord({ generation: 1 }));
      // tends as far apart as allowed: the run stays short
      const connected$ = Cluster.connect$({ ...fake.clientOptions(), tendIntervalMs: LONGEST }).pipe(shareReplay(1));
      const read$ = connected$.pipe(mergeMap((c) => c.execute$(getCommand(), readPolicy({ totalTimeoutMs: 0, sleepBetweenRetriesMs: sleepMs }))));
      r.expectObservable(read$).toBe(`${sleepMs}ms (v|)`, { v: {} });
      r.at(sleepMs + 1, () => connected$.subscribe((c) => c.close()));
    }, sleepMs + 2);
    expect(delays).not.toContain(sleepMs);
    expect(Math.max(...delays)).toBe(MAX_TIMER_DELAY_MS);
  });

  it('on Node timers, a pause between attempts of 2^31+10000 ms does not end after 1 ms', async () => {
    const fake = new FakeCluster({ nodes: ['A', 'B'], ownership: ['A', 'B'], scheduler: asyncScheduler });
    fake.transport.scriptCommand('A', new AerospikeError('network_error', 'reset'));
    fake.transport.setDefaultReply('command', asMsgRecord({ generation: 1 }));
    const cluster = await firstValueFrom(Cluster.connect$(fake.clientOptions()));
    let value: unknown;
    const sub = cluster.execute$(getCommand(), readPolicy({ totalTimeoutMs: 0, sleepBetweenRetriesMs: 2 ** 31 + 10_000 })).subscribe((v) => (value = v));
    await new Promise((resolve) => setTimeout(resolve, 50));
    sub.unsubscribe();
    cluster.close();
    expect(value).withContext('the retry ran').toBeUndefined();
  });

  it('a tend interval of 2^32-1 ms is waited in capped steps, and the next tend runs when it is due', () => {
    const tends: number[] = [];
    let delays: number[] = [];
    runMarbles((r) => {
      delays = recordDelays();
      const fake = new FakeCluster({ nodes: ['A'] });
      const connected$ = Cluster.connect$({ ...fake.clientOptions(), tendIntervalMs: LONGEST }).pipe(shareReplay(1));
      connected$.subscribe();
      for (const at of [1, LONGEST - 1, LONGEST + 1]) r.at(at, () => connected$.subscribe((c) => tends.push(c.stats().tends)));
      r.at(LONGEST + 2, () => connected$.subscribe((c) => c.close()));
    }, LONGEST + 3);
    expect(tends).toEqual([1, 1, 2]);
    expect(Math.max(...delays)).toBe(MAX_TIMER_DELAY_MS);
  });
});
