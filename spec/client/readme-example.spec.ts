// The README's FakeCluster example, verbatim between the markers: if it stops passing, the README is wrong.
import { concat, finalize, map, mergeMap, tap, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { AerospikeClient } from '../../lib/index';
import { FakeCluster } from '../../lib/testing/index';

describe('README: testing your code with FakeCluster', () => {
  // README-BEGIN
  it('a read retries on the prole when the master of its partition dies', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ expectObservable }) => {
      const cluster = new FakeCluster({ nodes: ['A', 'B', 'C'], latencyMs: 1 }); // every reply takes 1 virtual ms
      const key = { namespace: 'test', set: 'users', key: 'ada' };
      const [master] = cluster.replicasOf(key);
      const name$ = AerospikeClient.connect$(cluster.clientOptions()).pipe(
        mergeMap((client) =>
          concat(
            client.put$(key, { name: 'Ada' }).pipe(tap(() => cluster.kill(master!))),
            timer(10).pipe(mergeMap(() => client.get$(key)), map((record) => record?.bins['name'])),
          ).pipe(finalize(() => client.close())),
        ),
      );
      // connected at 6 ms, put acknowledged at 7, read sent at 17: refused by the master, served by the prole at 18
      expectObservable(name$).toBe('7ms w 10ms (n|)', { w: { generation: 1, ttlSeconds: -1 }, n: 'Ada' });
    });
  });
  // README-END
});
