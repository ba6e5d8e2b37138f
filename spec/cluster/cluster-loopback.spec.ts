// The cluster layer over real sockets (TcpTransport) against a 3-node SimulatedCluster on loopback:
// discovery from one seed, routing to masters, failover under a read load, return after revive, no leftovers.
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import type { ClusterEvent } from '../../lib/cluster/cluster-events';
import { AerospikeError, parseError } from '../../lib/errors';
import { TcpTransport } from '../../lib/net/tcp-transport';
import { SimulatedCluster } from '../../lib/testing/simulated-cluster';
import { sleep } from '../helpers/loopback-server';
import { leftovers } from '../helpers/transport-harness';
import { getCommand, partitionOf, putCommand, readPolicy, writePolicy } from './cluster-harness';

const keys = Array.from({ length: 300 }, (_, i) => ({ namespace: 'test', set: 'load', key: i }));

describe('Cluster over loopback sockets (SimulatedCluster)', () => {
  let sim: SimulatedCluster;
  let baseline: Record<string, number>;

  beforeEach(async () => {
    baseline = await leftovers({}, 0);
    sim = await SimulatedCluster.start({ nodes: 3, replicationFactor: 2, detectionDelayMs: 200 });
    sim.seed('test', 'load', keys.length);
  });

  afterEach(async () => {
    await sim.stop();
  });

  function connect(): Promise<Cluster> {
    const seed = sim.seeds.split(',')[0]!;
    return firstValueFrom(Cluster.connect$({ seeds: seed, transport: new TcpTransport(), tendIntervalMs: 100 }));
  }

  it('discovers all three nodes and the full map from one seed', async () => {
    const cluster = await connect();
    try {
      expect(cluster.activeNodes().map((n) => n.name)).toEqual(['A1', 'A2', 'A3']);
      const ns = cluster.currentMap().namespace('test')!;
      let complete = true;
      for (let p = 0; p < 4096; p++) {
        const [m, r] = [ns.replicas[0]![p], ns.replicas[1]![p]];
        if (m === undefined || r === undefined || m === r || m.name !== sim.ownership('test', p)[0] || r.name !== sim.ownership('test', p)[1]) complete = false;
      }
      expect(complete).toBeTrue();
    } finally {
      cluster.close();
    }
  });

  it('routes each key to its master', async () => {
    const cluster = await connect();
    try {
      const before = sim.nodes.map((n) => n.stats.requests.get);
      for (const key of keys.slice(0, 60)) await firstValueFrom(cluster.execute$(getCommand(key), readPolicy()));
      const gets = sim.nodes.map((n, i) => n.stats.requests.get - before[i]!);
      const expected = sim.nodes.map((n) => keys.slice(0, 60).filter((k) => sim.ownership('test', partitionOf(k))[0] === n.name).length);
      expect(gets).toEqual(expected);
    } finally {
      cluster.close();
    }
  });

  it('fails reads over to the prole with no failed read while a node is killed, and takes it back after its revival', async () => {
    const cluster = await connect();
    const events: ClusterEvent[] = [];
    const sub = cluster.events$.subscribe((e) => events.push(e));
    let ok = 0;
    let failed = 0;
    let running = true;
    const loops = Array.from({ length: 8 }, async (_, loop) => {
      for (let i = loop; running; i = (i + 8) % keys.length) {
        try {
          const record = await firstValueFrom(cluster.execute$(getCommand(keys[i]!), readPolicy()));
          if (record?.['n'] === i) ok++;
          else failed++;
        } catch {
          failed++;
        }
      }
    });
    try {
      await sleep(200);
      await sim.kill('A2');
      await sleep(800);
      const whileDown = cluster.activeNodes().map((n) => n.name);
      await sim.revive('A2');
      await sleep(600);
      running = false;
      await Promise.all(loops);
      expect({ failed, whileDown, after: cluster.activeNodes().map((n) => n.name) }).toEqual({ failed: 0, whileDown: ['A1', 'A3'], after: ['A1', 'A2', 'A3'] });
      expect(ok).toBeGreaterThan(100);
      expect(events.filter((e) => e.type === 'node_removed' || e.type === 'node_added').map((e) => `${e.type}:${'node' in e ? e.node.name : ''}`)).toEqual(['node_removed:A2', 'node_added:A2']);
    } finally {
      running = false;
      sub.unsubscribe();
      cluster.close();
    }
  });

  it('a write whose reply cannot be parsed is in doubt, closes its socket, and the node serves the next call on a new one', async () => {
    const cluster = await connect();
    try {
      const key = keys[3]!;
      const master = cluster.nodes.get(sim.ownership('test', partitionOf(key))[0]!)!;
      await firstValueFrom(cluster.execute$(getCommand(key), readPolicy()));
      expect(master.pool.stats().idle).toBe(1);
      // the reply is lent from the socket's read buffer; its parse fails inside the socket's read (the write was applied)
      const garbled = { ...putCommand(key, { n: 33 }), parse: () => { throw parseError('garbled reply'); } };
      const error = await firstValueFrom(cluster.execute$(garbled, writePolicy())).catch((e: AerospikeError) => e);
      expect([(error as AerospikeError).code, (error as AerospikeError).inDoubt]).toEqual(['parse_error', true]);
      expect(master.pool.stats()).toEqual(jasmine.objectContaining({ open: 0, idle: 0, inUse: 0, opened: 1, closed: 1 }));
      expect(await firstValueFrom(cluster.execute$(getCommand(key), readPolicy()))).toEqual({ n: 33 });
      expect(master.pool.stats()).toEqual(jasmine.objectContaining({ open: 1, idle: 1, opened: 2 }));
    } finally {
      cluster.close();
    }
  });

  it('leaves no socket or timer behind after close()', async () => {
    const cluster = await connect();
    await lastValueFrom(cluster.execute$(getCommand(keys[0]!), readPolicy()).pipe(take(1), toArray()));
    cluster.close();
    await sim.stop();
    expect(await leftovers(baseline, 2000)).toEqual({});
  });
});
