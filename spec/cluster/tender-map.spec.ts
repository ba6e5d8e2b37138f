// Map and discovery details of tending (client-design.md §C4; cluster.md §4, §14 "worth adding"):
// regimes, displaced nodes, replication-factor changes, namespaces, peer addresses, sessions.
import { Cluster } from '../../lib/cluster/cluster';
import type { ClusterOptions } from '../../lib/cluster/cluster-options';
import { FakeCluster, type FakeClusterOptions } from '../../lib/testing/fake-cluster';
import { AerospikeError } from '../../lib/errors';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { getCommand, KEY, partitionOf, readPolicy, runMarbles, type Run } from './cluster-harness';

function connected(run: Run, fakeOptions: FakeClusterOptions, script: (fake: FakeCluster, cluster: () => Cluster) => void, endMs: number, options: Partial<ClusterOptions> = {}): FakeCluster {
  const fake = new FakeCluster(fakeOptions);
  let cluster: Cluster | undefined;
  Cluster.connect$({ ...fake.clientOptions(), ...options }).subscribe((c) => (cluster = c));
  script(fake, () => cluster!);
  run.at(endMs, () => cluster?.close());
  return fake;
}

const masterOf = (c: Cluster, p: number, ns = 'test') => c.currentMap().node(ns, p, 0)?.name;

describe('Cluster tending: partition map and addresses', () => {
  it('keeps the higher regime when a lagging node reports a lower one, and asks that node again next tend', () => {
    const seen: unknown[] = [];
    runMarbles((run) =>
      connected(run, { nodes: ['A', 'B'], ownership: ['A', 'B'] }, (fake, cluster) => {
        run.at(500, () => fake.setRegime('test', [3], 5));
        run.at(1500, () => {
          // B claims master of 3 with an older regime: ignored
          fake.setReplicas('test', [3], ['B', 'A']);
          fake.setRegime('test', [3], 4);
        });
        run.at(2500, () => seen.push(masterOf(cluster(), 3), cluster().nodes.get('B')!.partitionsStale));
      }, 2600),
    );
    expect(seen).toEqual(['A', true]);
  });

  it('a node displaced from a slot fetches its own map again on the next tend', () => {
    let fetches: number[] = [];
    runMarbles((run) => {
      const fake = connected(run, { nodes: ['A', 'B', 'C'], ownership: ['A', 'B'] }, (f) => {
        // C takes over partition 1 as master; only C's generation moves
        run.at(500, () => f.setReplicas('test', [1], ['C', 'B']));
      }, 2600);
      run.at(2500, () => (fetches = ['A', 'B', 'C'].map((n) => fake.transport.calls(n).filter((c) => c.commands?.includes('replicas')).length)));
    });
    // all three fetched at connect and after the change (the fake moves every generation); A, displaced, once more at 2000
    expect(fetches).toEqual([3, 2, 2]);
  });

  it('follows a replication-factor change: the namespace gets a third replica column', () => {
    let counts: number[] = [];
    runMarbles((run) =>
      connected(run, { nodes: ['A', 'B', 'C'] }, (fake, cluster) => {
        run.at(100, () => counts.push(cluster().currentMap().namespace('test')!.replicaCount));
        run.at(500, () => fake.setReplicationFactor(3));
        run.at(1500, () => counts.push(cluster().currentMap().namespace('test')!.replicaCount));
      }, 1600),
    );
    expect(counts).toEqual([2, 3]);
  });

  it('tends two namespaces independently', () => {
    let masters: unknown[] = [];
    runMarbles((run) =>
      connected(run, { nodes: ['A', 'B'], namespaces: ['bar', 'test'] }, (fake, cluster) => {
        run.at(500, () => fake.setReplicas('bar', [0], ['B', 'A']));
        run.at(1500, () => (masters = [masterOf(cluster(), 0, 'bar'), masterOf(cluster(), 0, 'test')]));
      }, 1600),
    );
    expect(masters).toEqual(['B', 'A']);
  });

  it('tries each address a peer advertises in turn, IPv6 included', () => {
    let nodes: unknown;
    runMarbles((run) => {
      const fake = connected(run, { nodes: ['A', { name: 'B', host: '2001:db8::2' }] }, (_f, cluster) => {
        run.at(100, () => (nodes = cluster().activeNodes().map((n) => `${n.name}@${n.address}`)));
      }, 200);
      fake.advertise('B', [{ host: '10.9.9.9', port: 3000 }, { host: '2001:db8::2', port: 3000 }]);
    });
    expect(nodes).toEqual(['A@10.0.0.1:3000', 'B@[2001:db8::2]:3000']);
  });

  it('logs in on each tend connection, caches the token per node, and data connections authenticate with it', () => {
    let seen: unknown;
    runMarbles((run) => {
      const fake = connected(run, { nodes: ['A', 'B'], sessionTtlSeconds: 3600 }, (f, cluster) => {
        run.at(10, () => cluster().execute$(getCommand(), readPolicy()).subscribe());
        run.at(20, () => {
          const logins = f.transport.calls('A').filter((c) => c.kind === 'login');
          seen = { logins: logins.length, user: (logins[0]?.options as { user?: string }).user, token: cluster().nodes.get('A')!.session?.token().toString() };
        });
      }, 100, { user: 'app', password: 'pw' });
      void fake;
    });
    expect(seen).toEqual({ logins: 1, user: 'app', token: 'token-A-1' });
  });

  it('a partition whose only replica is gone routes nowhere (invalid_node) while other partitions keep working', () => {
    const results: string[] = [];
    runMarbles((run) =>
      connected(run, { nodes: ['A', 'B'], replicationFactor: 1 }, (fake, cluster) => {
        fake.transport.setDefaultReply('command', asMsgRecord({}));
        run.at(1500, () => fake.kill('A'));
        run.at(3500, () => {
          const keyOf = (owner: string) => Array.from({ length: 50 }, (_, i) => ({ ...KEY, key: `k${i}` })).find((k) => fake.replicas('test', partitionOf(k))[0] === owner)!;
          for (const key of [keyOf('A'), keyOf('B')]) {
            const owner = fake.replicas('test', partitionOf(key))[0];
            cluster().execute$(getCommand(key), readPolicy()).subscribe({ next: () => results.push(`${owner}: ok`), error: (e: AerospikeError) => results.push(`${owner}: ${e.code} ${e.message}`) });
          }
        });
      }, 3600),
    );
    expect(results.sort()).toEqual([jasmine.stringMatching(/^A: invalid_node no active node holds partition \d+ of namespace "test"$/) as unknown as string, 'B: ok']);
  });
});
