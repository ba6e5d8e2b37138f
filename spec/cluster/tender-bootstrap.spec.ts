// Seeding and the first tend (cluster.md §2, §3, §14 scenarios 1, 2, 7, 11, 12), on FakeCluster in virtual time.
import { AerospikeError } from '../../lib/errors';
import { Cluster } from '../../lib/cluster/cluster';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { runMarbles } from './cluster-harness';

function names(cluster: Cluster): string[] {
  return cluster.activeNodes().map((n) => n.name);
}

describe('Cluster tending: seeds and discovery', () => {
  it('one seed that owns every partition is connected after one tend, master of all 4096 partitions', () => {
    let seen: { names: string[]; masters: number; at: number } | undefined;
    runMarbles(({ scheduler }) => {
      const fake = new FakeCluster({ nodes: ['A1'], latencyMs: 1 });
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        const ns = cluster.currentMap().namespace('test')!;
        seen = { names: names(cluster), masters: ns.replicas[0]!.filter((n) => n?.name === 'A1').length, at: scheduler.now() };
        cluster.close();
      });
    });
    // validation info 1 ms, refresh 1, peers 1, replicas 1
    expect(seen).toEqual({ names: ['A1'], masters: 4096, at: 4 });
  });

  it('connect$ emits once the first tend has the partition map, and every node is discovered from one seed', () => {
    let seen: { names: string[]; replicaCount: number; at: number } | undefined;
    runMarbles(({ scheduler }) => {
      const fake = new FakeCluster({ nodes: ['A', 'B', 'C'], latencyMs: 1 });
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        seen = { names: names(cluster), replicaCount: cluster.currentMap().namespace('test')!.replicaCount, at: scheduler.now() };
        cluster.close();
      });
    });
    // seed validation 1 ms, refresh 1, peers 1, validation of B and C in parallel 1, their peers 1, replicas 1
    expect(seen).toEqual({ names: ['A', 'B', 'C'], replicaCount: 2, at: 6 });
  });

  it('places each node in the slots its replicas bitmaps set', () => {
    let ok = false;
    runMarbles(() => {
      const fake = new FakeCluster({ nodes: ['A', 'B', 'C'] });
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        const map = cluster.currentMap();
        ok = [0, 1, 2, 4095].every((p) => fake.replicas('test', p).every((name, i) => map.node('test', p, i)?.name === name));
        cluster.close();
      });
    });
    expect(ok).toBeTrue();
  });

  it('keeps the features a node announces, unknown ones included, and accepts a node with none', () => {
    const features: Record<string, string[]> = {};
    runMarbles(() => {
      const fake = new FakeCluster({ nodes: ['A', 'B'] });
      fake.failInfo('A', 'features', { value: 'pscans;float;brand-new-thing' });
      fake.failInfo('B', 'features', { value: '' });
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        for (const node of cluster.activeNodes()) features[node.name] = [...node.features].sort();
        cluster.close();
      });
    });
    expect(features).toEqual({ A: ['brand-new-thing', 'float', 'pscans'], B: [] });
  });

  it('a peer listed by a second node joins in the same tend when the first node lists no peers', () => {
    let seen: string[] = [];
    runMarbles(() => {
      const fake = new FakeCluster({ nodes: ['A', 'B', 'C'] });
      fake.setPeersView('A', ['B']);
      fake.setPeersView('B', ['A', 'C']);
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        seen = names(cluster);
        cluster.close();
      });
    });
    expect(seen).toEqual(['A', 'B', 'C']);
  });

  it('a seed that refuses is skipped and the next seed is dialled', () => {
    let seen: string[] = [];
    runMarbles(() => {
      const fake = new FakeCluster({ nodes: ['A', 'B'] });
      fake.kill('A');
      Cluster.connect$({ ...fake.clientOptions(), seeds: fake.seeds('A', 'B') }).subscribe((cluster) => {
        seen = names(cluster);
        cluster.close();
      });
    });
    // A still belongs to the cluster (B lists it) but refuses connections: only B is adopted
    expect(seen).toEqual(['B']);
  });

  it('connect$ errors with connection_error naming every seed and its reason when none validates', () => {
    runMarbles(({ expectObservable }) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'] });
      fake.kill('A');
      fake.failInfo('B', 'partition-generation', { value: '-1' });
      const error = new AerospikeError(
        'connection_error',
        'no seed could be validated: 10.0.0.1:3000: connection_error (connection refused by 10.0.0.1:3000 (node A is disconnected)); ' +
          '10.0.0.2:3000: invalid_node (node B at 10.0.0.2:3000 is not yet fully initialized (partition-generation -1))',
      );
      expectObservable(Cluster.connect$({ ...fake.clientOptions(), seeds: fake.seeds('A', 'B') })).toBe('#', undefined, error);
    });
  });

  it('refuses a node whose cluster name is not the configured one', () => {
    runMarbles(({ expectObservable }) => {
      const fake = new FakeCluster({ nodes: ['A'], clusterName: 'staging' });
      const error = new AerospikeError(
        'connection_error',
        'no seed could be validated: 10.0.0.1:3000: invalid_node (node A at 10.0.0.1:3000 belongs to cluster "staging", expected "prod")',
      );
      expectObservable(Cluster.connect$({ ...fake.clientOptions(), clusterName: 'prod' })).toBe('#', undefined, error);
    });
  });

  it('refuses a seed whose reply has no node name', () => {
    runMarbles(({ expectObservable }) => {
      const fake = new FakeCluster({ nodes: ['A'] });
      fake.failInfo('A', 'node', { value: '' });
      const error = new AerospikeError('connection_error', 'no seed could be validated: 10.0.0.1:3000: invalid_node (10.0.0.1:3000 is not a valid node: its info reply has no node name (""))');
      expectObservable(Cluster.connect$(fake.clientOptions())).toBe('#', undefined, error);
    });
  });

  it('with failIfNotConnected false, connect$ emits an empty cluster that seeds again each tend until a seed answers', () => {
    const log: string[] = [];
    runMarbles(({ at }) => {
      const fake = new FakeCluster({ nodes: ['A'] });
      fake.kill('A');
      Cluster.connect$({ ...fake.clientOptions(), failIfNotConnected: false }).subscribe((cluster) => {
        log.push(`connected with [${names(cluster)}]`);
        at(2500, () => fake.revive('A'));
        at(1500, () => log.push(`1500: [${names(cluster)}]`));
        at(3500, () => {
          log.push(`3500: [${names(cluster)}]`);
          cluster.close();
        });
      });
    });
    expect(log).toEqual(['connected with []', '1500: []', '3500: [A]']);
  });

  it('a seed with no peers is only a fallback while other seeds remain', () => {
    let seen: string[] = [];
    runMarbles(() => {
      const fake = new FakeCluster({ nodes: ['A', 'B', 'C'] });
      // A is an orphan: it sees no peers and nobody lists it
      fake.setPeersView('A', []);
      fake.setPeersView('B', ['C']);
      fake.setPeersView('C', ['B']);
      Cluster.connect$({ ...fake.clientOptions(), seeds: fake.seeds('A', 'B') }).subscribe((cluster) => {
        seen = names(cluster);
        cluster.close();
      });
    });
    expect(seen).toEqual(['B', 'C']);
  });

  it('unsubscribing connect$ before it emits closes every connection it opened', () => {
    let closes = 0;
    runMarbles(({ at }) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'], latencyMs: 5 });
      const sub = Cluster.connect$(fake.clientOptions()).subscribe();
      at(7, () => sub.unsubscribe());
      at(50, () => (closes = fake.transport.connectCount('A') - fake.transport.closeCount('A')));
    });
    expect(closes).toBe(0);
  });

  it('keeps the addresses of the last 64 nodes it had as seeds, after the configured ones, oldest out', () => {
    let seeds: string[] = [];
    runMarbles(() => {
      // the seed A (10.0.0.1) and 70 peers, N00 at 10.0.0.2 … N69 at 10.0.0.71, adopted in that order
      const peers = Array.from({ length: 70 }, (_, i) => `N${String(i).padStart(2, '0')}`);
      const fake = new FakeCluster({ nodes: ['A', ...peers] });
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        seeds = cluster.seedHosts().map((s) => `${s.host}:${s.port}`);
        cluster.close();
      });
    });
    expect(seeds.length).toBe(65);
    expect(seeds[0]).toBe('10.0.0.1:3000');
    // A and N00…N05 were the oldest 7 of 71 remembered: out; N06 (10.0.0.8) … N69 (10.0.0.71) kept, in order
    expect(seeds.slice(1)).toEqual(Array.from({ length: 64 }, (_, i) => `10.0.0.${i + 8}:3000`));
  });
});
