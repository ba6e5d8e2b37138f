// How a tend reports and survives single faults (issue 14; the generated matrix is
// spec/hardening/tend-fault-matrix.spec.ts): one tend_error per fault, in the phase it struck, and
// nodes whose state cannot be trusted kept out of the map until they answer cleanly.
import type { Subscription } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import type { ClusterEvent } from '../../lib/cluster/cluster-events';
import type { ClusterOptions } from '../../lib/cluster/cluster-options';
import { AerospikeError } from '../../lib/errors';
import { PARTITION_COUNT } from '../../lib/protocol/digest';
import { ResultCode } from '../../lib/protocol/result-codes';
import { bitmapOf, encodeReplicas } from '../../lib/protocol/replicas';
import { FakeCluster, type FakeClusterOptions } from '../../lib/testing/fake-cluster';
import { runMarbles, type Run } from './cluster-harness';

interface Scenario {
  readonly fake: FakeCluster;
  /** tend_error events as `t:phase:node:code`. */
  readonly tendErrors: string[];
  cluster(): Cluster;
}

function describeError(t: number, e: ClusterEvent): string | undefined {
  return e.type === 'tend_error' ? `${t}:${e.phase}:${e.node ?? e.address}:${e.error.code}` : undefined;
}

/** Connects at 0, records tend_error events from then on, runs `script`, closes at `endMs`. */
function scenario(run: Run, fakeOptions: FakeClusterOptions, script: (s: Scenario) => void, endMs: number, options: Partial<ClusterOptions> = {}): void {
  const fake = new FakeCluster(fakeOptions);
  const tendErrors: string[] = [];
  let cluster: Cluster | undefined;
  let sub: Subscription | undefined;
  Cluster.connect$({ ...fake.clientOptions(), ...options }).subscribe((c) => {
    cluster = c;
    sub = c.events$.subscribe((e) => {
      const text = describeError(run.scheduler.now(), e);
      if (text !== undefined) tendErrors.push(text);
    });
  });
  script({ fake, tendErrors, cluster: () => cluster! });
  run.at(endMs, () => {
    sub?.unsubscribe();
    cluster?.close();
  });
}

const replicasCalls = (fake: FakeCluster, node: string): number => fake.transport.calls(node).filter((c) => c.commands?.includes('replicas')).length;
const everyPartition = Array.from({ length: PARTITION_COUNT }, (_, p) => p);

describe('Cluster tending: faults', () => {
  it('reports a partition-map fetch that fails on the wire once, as a failure of that node', () => {
    let seen: unknown[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, (s) => {
        run.at(1500, () => {
          s.fake.failInfo('B', 'replicas', new AerospikeError('network_error', 'reset'));
          s.fake.setReplicas('test', [0], s.fake.replicas('test', 0));
        });
        run.at(2500, () => (seen = [[...s.tendErrors], s.cluster().stats().nodes.find((n) => n.name === 'B')!.consecutiveTendFailures]));
      }, 2600),
    );
    expect(seen).toEqual([['2000:partitions:B:network_error'], 1]);
  });

  it('reports a login that fails on a reopened tend connection in the login phase', () => {
    let tendErrors: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'], sessionTtlSeconds: 600 }, (s) => {
        run.at(1500, () => {
          s.fake.failInfo('B', 'node', new AerospikeError('network_error', 'reset'));
          s.fake.failLogin('B', AerospikeError.fromResultCode(ResultCode.INVALID_CREDENTIAL, 'login'));
        });
        tendErrors = s.tendErrors;
      }, 4500, { user: 'app', password: 'secret' }),
    );
    // 2000: the refresh fails and closes the tend connection; 3000: reopened, its login is refused; 4000: clean
    expect(tendErrors).toEqual(['2000:refresh:B:network_error', '3000:login:B:invalid_credential']);
  });

  it('treats partition-generation -1 in a refresh as a failed refresh: no map is fetched from the node until it is initialized', () => {
    const seen: unknown[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, (s) => {
        run.at(1500, () => {
          seen.push(replicasCalls(s.fake, 'B'));
          s.fake.failInfo('B', 'partition-generation', { value: '-1' });
        });
        run.at(2500, () => seen.push(replicasCalls(s.fake, 'B'), [...s.tendErrors]));
        // recovered at 3000: everything it knew is fetched again
        run.at(3500, () => seen.push(replicasCalls(s.fake, 'B'), s.cluster().currentMap().namespace('test')!.replicaCount));
      }, 3600),
    );
    expect(seen).toEqual([1, 1, ['2000:refresh:B:invalid_node'], 2, 2]);
  });

  it('refuses a partition map fetched with partition-generation -1 and fetches it again on the next tend', () => {
    const seen: unknown[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, (s) => {
        run.at(1500, () => {
          s.fake.failInfo('B', 'partition-generation', { value: '-1' }, 1, 'replicas');
          s.fake.setReplicas('test', [0], ['B', 'A']);
        });
        run.at(2500, () => seen.push([...s.tendErrors], s.cluster().nodes.get('B')!.partitionGeneration, s.cluster().currentMap().node('test', 0, 0)?.name));
        run.at(3500, () => seen.push(s.cluster().currentMap().node('test', 0, 0)?.name));
      }, 3600),
    );
    // B's claim on partition 0 waits for a map it can trust; A's own reply already dropped A from slot 0
    expect(seen).toEqual([['2000:partitions:B:invalid_node'], 1, undefined, 'B']);
  });

  it('reports a replicas reply whose regime is below the map\'s, ignores it, and asks that node again until it catches up', () => {
    let tendErrors: string[] = [];
    const fetches: number[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'], ownership: ['A', 'B'] }, (s) => {
        s.fake.setRegime('test', everyPartition, 5);
        run.at(1500, () => {
          // B is prole of every partition; its reply claims them with regime 4
          const value = encodeReplicas([{ namespace: 'test', regime: 4, replicaCount: 2, bitmaps: [bitmapOf([]), bitmapOf(everyPartition)] }]);
          s.fake.failInfo('B', 'replicas', { value });
          s.fake.setReplicas('test', [0], ['A', 'B']);
        });
        run.at(2500, () => fetches.push(replicasCalls(s.fake, 'B')));
        run.at(3500, () => fetches.push(replicasCalls(s.fake, 'B')));
        run.at(4500, () => fetches.push(replicasCalls(s.fake, 'B')));
        tendErrors = s.tendErrors;
      }, 4600),
    );
    expect(tendErrors).toEqual(['2000:partitions:B:invalid_node']);
    // fetched at 2000 (stale), again at 3000 (caught up), then not until its generation moves
    expect(fetches).toEqual([2, 3, 3]);
  });

  it('dials a peer whose every address refused only once per tend, even when several nodes list it', () => {
    let dials = -1;
    runMarbles(() => {
      const fake = new FakeCluster({ nodes: ['A', 'B', 'C'] });
      fake.kill('C');
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        // A listed C (refused), then B, adopted in the same tend, listed it too
        dials = fake.transport.connectCount('C');
        cluster.close();
      });
    });
    expect(dials).toBe(1);
  });

  for (const [fault, what] of [
    ['timeout', 'times out'],
    [{ value: '1,3000,[[B,,[10.0.0.2:3000]' }, 'is malformed'],
  ] as const) {
    it(`a tend whose every peers listing ${what} removes no node: no listing says a node is gone`, () => {
      const removed: string[] = [];
      let active: string[] = [];
      runMarbles((run) => {
        scenario(
          run,
          { nodes: ['A', 'B', 'C'] },
          (s) => {
            run.at(1, () => s.cluster().events$.subscribe((e) => e.type === 'node_removed' && removed.push(`${run.scheduler.now()}:${e.node.name}`)));
            run.at(1500, () => {
              s.fake.setPeersView('C', undefined); // moves the peers generations: the 2000 tend lists peers
              for (const node of ['A', 'B', 'C']) s.fake.failInfo(node, 'peers-clear-std', fault);
            });
            run.at(4500, () => (active = s.cluster().activeNodes().map((n) => n.name)));
            run.at(4500, () => expect(s.tendErrors.filter((e) => e.includes(':peers:')).length).withContext(s.tendErrors.join(' ')).toBe(3));
          },
          5000,
        );
      });
      expect(removed).toEqual([]);
      expect(active).toEqual(['A', 'B', 'C']);
    });
  }

  it('a node whose peers listing fails sits out the rest of that tend: one tend_error, no replicas fetch on a broken connection', () => {
    let replicasAt2000 = -1;
    let replicasAt3000 = -1;
    let tendErrors: string[] = [];
    runMarbles((run) => {
      scenario(
        run,
        { nodes: ['A', 'B'], ownership: ['A', 'B'] },
        (s) => {
          tendErrors = s.tendErrors;
          run.at(1500, () => {
            // the 2000 tend lists peers (generations moved) and fetches maps (A and B swap masters)
            s.fake.setPeersView('B', undefined);
            s.fake.setReplicas('test', everyPartition, ['B', 'A']);
            s.fake.failInfo('A', 'peers-clear-std', 'timeout');
          });
          run.at(3500, () => (replicasAt2000 = replicasCalls(s.fake, 'A')));
          run.at(4500, () => (replicasAt3000 = replicasCalls(s.fake, 'A')));
        },
        5000,
      );
    });
    // the listing timed out at 3000 (the info timeout); A's map was left for the next tend
    expect(tendErrors).toEqual(['3000:peers:A:timeout']);
    expect(replicasAt2000).toBe(1);
    expect(replicasAt3000).toBe(2);
  });
});
