// Integration specs of the cluster layer against a real 3-node Aerospike cluster (npm run test:real).
import { firstValueFrom } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import type { ClusterEvent } from '../../lib/cluster/cluster-events';
import { TcpTransport } from '../../lib/net/tcp-transport';
import { getCommand, partitionOf, putCommand, readPolicy, writePolicy } from '../cluster/cluster-harness';
import { canCrash, FIRST_SEED, killNode, reviveNode, sleep, warmedUp } from './real-cluster';

const keys = Array.from({ length: 200 }, (_, i) => ({ namespace: 'test', set: 'rx-cluster', key: i }));

function connect(): Promise<Cluster> {
  return firstValueFrom(Cluster.connect$({ seeds: FIRST_SEED, transport: new TcpTransport(), tendIntervalMs: 250 }));
}

describe('cluster layer on a real 3-node cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    await warmedUp();
    cluster = await connect();
    for (const key of keys) await firstValueFrom(cluster.execute$(putCommand(key, { n: key.key }), writePolicy({ maxRetries: 2 })));
  }, 60_000);
  afterAll(() => cluster.close());

  it('discovers every node from one seed and the full map: 4096 partitions, master and prole on different nodes', () => {
    expect(cluster.activeNodes().length).toBe(3);
    const ns = cluster.currentMap().namespace('test')!;
    expect(ns.replicaCount).toBe(2);
    let bad = 0;
    for (let p = 0; p < 4096; p++) {
      const [m, r] = [ns.replicas[0]![p], ns.replicas[1]![p]];
      if (m === undefined || r === undefined || m === r) bad++;
    }
    expect(bad).toBe(0);
  });

  it('sends each read to the master of its partition', async () => {
    const before = new Map(cluster.activeNodes().map((n) => [n.name, n.counters.commands]));
    const expected = new Map<string, number>();
    for (const key of keys.slice(0, 60)) {
      const master = cluster.currentMap().node('test', partitionOf(key), 0)!.name;
      expected.set(master, (expected.get(master) ?? 0) + 1);
      expect(await firstValueFrom(cluster.execute$(getCommand(key), readPolicy()))).toEqual({ n: key.key });
    }
    for (const node of cluster.activeNodes()) expect(node.counters.commands - before.get(node.name)!).withContext(node.name).toBe(expected.get(node.name) ?? 0);
  });

  (canCrash ? it : xit)(
    'a crashed node leaves the map while reads fail over with none failed, and comes back after a restart',
    async () => {
      const events: ClusterEvent[] = [];
      const sub = cluster.events$.subscribe((e) => events.push(e));
      let ok = 0;
      const failures: string[] = [];
      let running = true;
      const loops = Array.from({ length: 8 }, async (_, loop) => {
        for (let i = loop; running; i = (i + 8) % keys.length) {
          try {
            const record = await firstValueFrom(cluster.execute$(getCommand(keys[i]!), readPolicy({ totalTimeoutMs: 1000, socketTimeoutMs: 500, maxRetries: 2 })));
            if (record?.['n'] === i) ok++;
            else failures.push(`key ${i}: ${JSON.stringify(record)}`);
          } catch (e) {
            failures.push(`key ${i}: ${(e as Error).message}`);
          }
        }
      });
      try {
        await sleep(500);
        await killNode(2);
        for (let waited = 0; waited < 15_000 && cluster.activeNodes().length === 3; waited += 100) await sleep(100);
        const whileDown = cluster.activeNodes().length;
        await sleep(1000);
        await reviveNode(2);
        for (let waited = 0; waited < 15_000 && cluster.activeNodes().length < 3; waited += 100) await sleep(100);
        await sleep(1000);
        running = false;
        await Promise.all(loops);
        expect(failures).toEqual([]);
        expect(whileDown).toBe(2);
        expect(cluster.activeNodes().length).toBe(3);
        expect(ok).toBeGreaterThan(500);
        expect(events.some((e) => e.type === 'node_removed')).toBeTrue();
        expect(events.some((e) => e.type === 'node_added')).toBeTrue();
      } finally {
        running = false;
        sub.unsubscribe();
      }
    },
    90_000,
  );
});
