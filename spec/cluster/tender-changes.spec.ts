// Tending over time (cluster.md §3, §4, §14 and its "worth adding" list): what each tend asks, node
// removal by the J rules, returning nodes, map merges, renames, restarts. Virtual time, exact instants.
import type { Subscription } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import type { ClusterEvent } from '../../lib/cluster/cluster-events';
import type { ClusterOptions } from '../../lib/cluster/cluster-options';
import { AerospikeError } from '../../lib/errors';
import { FakeCluster, type FakeClusterOptions } from '../../lib/testing/fake-cluster';
import { runMarbles, type Run } from './cluster-harness';

interface Scenario {
  readonly fake: FakeCluster;
  /** Events as `t:type:detail`. */
  readonly events: string[];
  cluster(): Cluster;
}

function describeEvent(t: number, e: ClusterEvent): string {
  switch (e.type) {
    case 'node_added':
      return `${t}:added:${e.node.name}`;
    case 'node_removed':
      return `${t}:removed:${e.node.name}:${e.reason}`;
    case 'partitions_changed':
      return `${t}:partitions:${e.namespace}:${e.node}`;
    default:
      return `${t}:tend_error:${e.phase}:${e.node ?? e.address}:${e.error.code}`;
  }
}

/** Connects at 0 with events recorded from the start, runs `script`, closes at `endMs`. */
function scenario(run: Run, fakeOptions: FakeClusterOptions, script: (s: Scenario) => void, endMs: number, options: Partial<ClusterOptions> = {}): void {
  const fake = new FakeCluster(fakeOptions);
  const events: string[] = [];
  let cluster: Cluster | undefined;
  let sub: Subscription | undefined;
  Cluster.connect$({ ...fake.clientOptions(), ...options }).subscribe((c) => {
    cluster = c;
    sub = c.events$.subscribe((e) => events.push(describeEvent(run.scheduler.now(), e)));
  });
  script({ fake, events, cluster: () => cluster! });
  run.at(endMs, () => {
    sub?.unsubscribe();
    cluster?.close();
  });
}

function infoCalls(fake: FakeCluster, node: string): string[] {
  return fake.transport.calls(node).filter((c) => c.kind === 'info').map((c) => c.commands!.join(','));
}

describe('Cluster tending over time', () => {
  it('a tend with nothing changed asks each node only node, peers-generation and partition-generation', () => {
    let calls: string[] = [];
    runMarbles((run) => scenario(run, { nodes: ['A', 'B'] }, ({ fake }) => run.at(2500, () => (calls = infoCalls(fake, 'B').slice(-2))), 2600));
    expect(calls).toEqual(['node,peers-generation,partition-generation', 'node,peers-generation,partition-generation']);
  });

  it('fetches replicas again only when a node\'s partition-generation changed', () => {
    let replicasFetches: number[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, ({ fake }) => {
        run.at(1500, () => fake.setReplicas('test', [7], ['B', 'A']));
        run.at(3500, () => (replicasFetches = ['A', 'B'].map((n) => infoCalls(fake, n).filter((c) => c.includes('replicas')).length)));
      }, 3600),
    );
    // once at connect, once after the change (both nodes' generations moved), none on the quiet tends
    expect(replicasFetches).toEqual([2, 2]);
  });

  it('a node that joins the cluster is added on the next tend after its peers list it', () => {
    let events: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B', 'C'] }, (s) => {
        s.fake.setPeersView('A', ['B']);
        s.fake.setPeersView('B', ['A']);
        run.at(1500, () => {
          s.fake.setPeersView('A', ['B', 'C']);
          s.fake.setPeersView('B', ['A', 'C']);
        });
        events = s.events;
      }, 2500),
    );
    expect(events.filter((e) => e.includes('added'))).toEqual(['2000:added:C']);
  });

  it('a node absent from every peer list and owning no partition is removed', () => {
    let events: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B', 'C'], ownership: ['A', 'B'] }, (s) => {
        run.at(1500, () => {
          s.fake.setPeersView('A', ['B']);
          s.fake.setPeersView('B', ['A']);
        });
        events = s.events;
      }, 2500),
    );
    expect(events).toEqual(['2000:removed:C:not_in_peers']);
  });

  it('a healthy node absent from every peer list that still owns partitions is kept', () => {
    let nodes: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B', 'C'] }, (s) => {
        run.at(1500, () => {
          s.fake.setPeersView('A', ['B']);
          s.fake.setPeersView('B', ['A']);
        });
        run.at(2500, () => (nodes = s.cluster().activeNodes().map((n) => n.name)));
      }, 2600),
    );
    expect(nodes).toEqual(['A', 'B', 'C']);
  });

  it('a killed node is removed once its peers stop listing it, and its partitions fail over in the map', () => {
    let events: string[] = [];
    let master: string | undefined;
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B', 'C'], ownership: ['A', 'B'] }, (s) => {
        run.at(1500, () => s.fake.kill('A'));
        // the cluster notices (heartbeat) after the next tend has run
        run.at(2200, () => s.fake.leave('A'));
        run.at(3500, () => (master = s.cluster().currentMap().node('test', 0, 0)?.name));
        events = s.events;
      }, 3600),
    );
    expect(events).toEqual([
      '2000:tend_error:refresh:A:connection_error',
      '3000:tend_error:refresh:A:connection_error',
      '3000:removed:A:refused',
      // B becomes master where A was; C takes the prole slots A left
      '3000:partitions:test:B',
      '3000:partitions:test:C',
    ]);
    expect(master).toBe('B');
  });

  it('a node whose tend connection is refused twice in a row is removed even while its peers still list it', () => {
    let events: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, (s) => {
        run.at(1500, () => s.fake.kill('B'));
        events = s.events;
      }, 3600),
    );
    expect(events.filter((e) => !e.includes(':peers:'))).toEqual([
      '2000:tend_error:refresh:B:connection_error',
      '3000:tend_error:refresh:B:connection_error',
      '3000:removed:B:refused',
    ]);
  });

  it('a node that times out five tends in a row while no node answers is removed, and the next tend seeds again', () => {
    let events: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A'] }, (s) => {
        run.at(500, () => s.fake.failInfo('A', '*', 'timeout', 5));
        events = s.events;
      }, 12_000),
    );
    // each refresh waits 1000 ms (the cluster's info timeout) then the next tend starts 1000 ms later
    expect(events).toEqual([
      '2000:tend_error:refresh:A:timeout',
      '4000:tend_error:refresh:A:timeout',
      '6000:tend_error:refresh:A:timeout',
      '8000:tend_error:refresh:A:timeout',
      '10000:tend_error:refresh:A:timeout',
      '10000:removed:A:unreachable',
      '11000:added:A',
      '11000:partitions:test:A',
    ]);
  });

  it('when every node was removed and the configured seed is gone for good, re-seeding finds the nodes the cluster had', () => {
    let events: string[] = [];
    let active: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B', 'C'] }, (s) => {
        events = s.events;
        run.at(1500, () => {
          s.fake.kill('A'); // the only configured seed
          s.fake.leave('A');
        });
        // an outage of every node left: B and C time out five tends in a row and are removed
        run.at(3500, () => {
          s.fake.failInfo('B', '*', 'timeout', 5);
          s.fake.failInfo('C', '*', 'timeout', 5);
        });
        run.at(30_000, () => (active = s.cluster().activeNodes().map((n) => n.name)));
      }, 30_001),
    );
    const lifecycle = events.filter((e) => e.includes(':removed:') || e.includes(':added:'));
    // seeding at 14000: A refused, then B (the first of the nodes the cluster had) validates; C comes from B's peers
    expect(lifecycle).toEqual(['2000:removed:A:not_in_peers', '13000:removed:B:unreachable', '13000:removed:C:unreachable', '14000:added:B', '14000:added:C']);
    expect(events).toContain('14000:tend_error:seed:10.0.0.1:3000:connection_error');
    expect(active).toEqual(['B', 'C']);
  });

  it('a returning node is a new node with a fresh pool', () => {
    let same: boolean | undefined;
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, (s) => {
        let before: unknown;
        run.at(500, () => (before = s.cluster().nodes.get('B')));
        run.at(1500, () => s.fake.kill('B'));
        run.at(3500, () => s.fake.revive('B'));
        run.at(4500, () => {
          const after = s.cluster().nodes.get('B');
          same = after === undefined ? undefined : after === before || after.pool === (before as { pool: unknown }).pool;
        });
      }, 4600),
    );
    expect(same).toBeFalse();
  });

  it('a node answering with another name at its address is reported (invalid_node), removed, and the new name is added', () => {
    let events: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, (s) => {
        run.at(1500, () => {
          s.fake.rename('B', 'B2');
          s.fake.setPeersView('A', ['B2']);
        });
        events = s.events;
      }, 3500),
    );
    // J fails the refresh of B; A lists B2 in the same tend, so B2 is validated and adopted before B is removed
    expect(events).toEqual(['2000:tend_error:refresh:B:invalid_node', '2000:added:B2', '2000:removed:B:name_changed', '2000:partitions:test:B2']);
  });

  it('a seed host that comes back with a new node id while another node is healthy: the new id joins, the old one goes', () => {
    let nodes: string[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, (s) => {
        run.at(1500, () => s.fake.kill('A'));
        run.at(3500, () => {
          s.fake.rename('A', 'A-new');
          s.fake.revive('A');
          s.fake.setPeersView('B', ['A-new']);
        });
        run.at(5500, () => (nodes = s.cluster().activeNodes().map((n) => n.name)));
      }, 5600),
    );
    expect(nodes).toEqual(['A-new', 'B']);
  });

  it('the quick restart of a node (peers generation going down) resets its error rate', () => {
    let errorRate: number[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'] }, (s) => {
        run.at(500, () => (s.cluster().nodes.get('B')!.errorCount = 50));
        run.at(1500, () => {
          s.fake.setPeersView('B', ['A']);
          s.fake.setPeersView('B', ['A']);
          s.fake.setPeersView('B', ['A']);
        });
        run.at(2500, () => {
          s.fake.revive('B'); // a fresh process: peers generation restarts at 1
          errorRate.push(s.cluster().nodes.get('B')!.errorCount);
        });
        run.at(3500, () => errorRate.push(s.cluster().nodes.get('B')!.errorCount));
      }, 3600, { errorRateWindow: 100 }),
    );
    expect(errorRate).toEqual([50, 0]);
  });

  it('re-logs in on the tend connection when the session token is about to expire, and new data connections use the new token', () => {
    let logins: number[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A'], sessionTtlSeconds: 120 }, (s) => {
        // expiry is ttl − min(60, ttl/2) = 60 s after the login
        run.at(59_500, () => logins.push(s.fake.loginCount('A')));
        run.at(60_500, () => logins.push(s.fake.loginCount('A')));
      }, 60_600, { user: 'app', password: 'secret' }),
    );
    expect(logins).toEqual([1, 2]);
  });

  it('reports a malformed replicas reply as a tend_error, keeps the old map, and repairs it on the next clean tend', () => {
    let events: string[] = [];
    const masters: (string | undefined)[] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'], ownership: ['A', 'B'] }, (s) => {
        run.at(1500, () => {
          s.fake.setReplicas('test', [5], ['B', 'A']);
          s.fake.failInfo('B', 'replicas', { value: 'test:0,2,not-base64,AAAA' });
        });
        run.at(2500, () => masters.push(s.cluster().currentMap().node('test', 5, 0)?.name));
        run.at(3500, () => masters.push(s.cluster().currentMap().node('test', 5, 0)?.name));
        events = s.events;
      }, 3600),
    );
    expect(events).toEqual(['2000:tend_error:partitions:B:parse_error', '2000:partitions:test:A', '3000:partitions:test:B']);
    // A's own reply puts it in the prole slot (its old master slot is cleared); B's next reply fills slot 0
    expect(masters).toEqual([undefined, 'B']);
  });

  it('a failing replicas fetch on one node leaves the other nodes\' entries intact', () => {
    let owners: (string | undefined)[][] = [];
    runMarbles((run) =>
      scenario(run, { nodes: ['A', 'B'], latencyMs: 0 }, (s) => {
        run.at(500, () => {
          s.fake.setReplicas('test', [1], ['A', 'B']);
          s.fake.failInfo('A', 'replicas', new AerospikeError('network_error', 'reset'));
        });
        run.at(1500, () => (owners = [0, 1].map((p) => [0, 1].map((i) => s.cluster().currentMap().node('test', p, i)?.name))));
      }, 1600),
    );
    // partition 1 was [B, A]; B now reports the prole slot, A's master claim is not known yet
    expect(owners).toEqual([
      ['A', 'B'],
      [undefined, 'B'],
    ]);
  });

  it('asks peers-clear-alt when useServicesAlternate is set', () => {
    let asked: string[] = [];
    runMarbles((run) => scenario(run, { nodes: ['A', 'B'] }, ({ fake }) => run.at(100, () => (asked = infoCalls(fake, 'A').filter((c) => c.startsWith('peers')))), 200, { useServicesAlternate: true }));
    expect(asked).toEqual(['peers-clear-alt']);
  });
});
