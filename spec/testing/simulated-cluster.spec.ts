import { firstValueFrom } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { InfoReply } from '../../lib/node-transport';
import { encodeBatchGet } from '../../lib/protocol/batch-request';
import { computeDigest, PARTITION_COUNT, partitionId } from '../../lib/protocol/digest';
import { decodeRecord, decodeRecords, type DecodedRecord } from '../../lib/protocol/record';
import { encodeGet, encodePut } from '../../lib/protocol/requests';
import { encodePartitionScan } from '../../lib/protocol/scan-request';
import { SimulatedCluster, type SimulatedClusterOptions } from '../../lib/testing/simulated-cluster';
import type { SimulatedNode } from '../../lib/testing/simulated-node';
import { parsePeers, parseReplicas } from './cluster-info-parsers';
import { tcpHandles, tcpHandlesOn } from './raw-client';

/** `features` of a real 8.1.2 CE node (measured), after the simulated node's own `compression`. */
const REAL_FEATURES =
  'batch-any;batch-index;blob-bits;cdt-index;cdt-list;cdt-map;cluster-stable;float;geo;sindex-exists;peers;pipelining;pquery;pscans;' +
  'query-show;relaxed-sc;replicas;replicas-all;replicas-master;replicas-max;truncate-namespace;udf';

const transport = new TcpTransport();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const key = (k: number, set = 's') => ({ namespace: 'test', set, key: k }) as const;
const partitionOf = (k: number, set = 's') => partitionId(computeDigest(set, k));

async function info(node: SimulatedNode, names: readonly string[]): Promise<InfoReply> {
  const conn = await firstValueFrom(transport.connect$(node.host, node.port));
  try {
    return await firstValueFrom(transport.info$(conn, names));
  } finally {
    transport.close(conn);
  }
}

async function one(node: SimulatedNode, names: string): Promise<string> {
  return (await info(node, [names]))[names]!;
}

async function command(node: SimulatedNode, request: Buffer): Promise<DecodedRecord> {
  const conn = await firstValueFrom(transport.connect$(node.host, node.port));
  try {
    return decodeRecord(await firstValueFrom(transport.command$(conn, request, 2000)));
  } finally {
    transport.close(conn);
  }
}

async function multi(node: SimulatedNode, request: Buffer): Promise<DecodedRecord[]> {
  const conn = await firstValueFrom(transport.connect$(node.host, node.port));
  try {
    return decodeRecords(await firstValueFrom(transport.commandStream$(conn, request, 2000)));
  } finally {
    transport.close(conn);
  }
}

/** Partitions held (master or prole) by a node according to its own `replicas`. */
async function held(node: SimulatedNode): Promise<Set<number>> {
  const test = parseReplicas(await one(node, 'replicas')).get('test')!;
  return new Set(test.partitions.flatMap((set) => [...set]));
}

describe('SimulatedCluster', () => {
  let baselineHandles: number;
  let cluster: SimulatedCluster;

  beforeAll(() => {
    baselineHandles = tcpHandles();
  });

  afterAll(async () => {
    for (let i = 0; i < 100 && tcpHandles() > baselineHandles; i++) await sleep(10);
    expect(tcpHandles()).withContext('TCP handles left behind').toBeLessThanOrEqual(baselineHandles);
  });

  async function start(options: SimulatedClusterOptions = {}): Promise<SimulatedCluster> {
    await cluster?.stop();
    cluster = await SimulatedCluster.start(options);
    return cluster;
  }

  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    await cluster.stop();
  });

  describe('start', () => {
    it('starts three nodes named A1..A3 on distinct loopback ports and lists them all in seeds', () => {
      expect(cluster.nodes.map((n) => n.name)).toEqual(['A1', 'A2', 'A3']);
      expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3);
      expect(cluster.seeds).toBe(cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(','));
    });

    it('rejects bad options with a RangeError or TypeError naming the option', async () => {
      await expectAsync(SimulatedCluster.start({ nodes: 0 })).toBeRejectedWithError(RangeError, /nodes must be an integer/);
      await expectAsync(SimulatedCluster.start({ replicationFactor: 0 })).toBeRejectedWithError(RangeError, /replicationFactor/);
      await expectAsync(SimulatedCluster.start({ nodes: 2, nodeNames: ['X', 'X'] })).toBeRejectedWithError(TypeError, /nodeNames/);
      await expectAsync(SimulatedCluster.start({ detectionDelayMs: -1 })).toBeRejectedWithError(RangeError, /detectionDelayMs/);
    });

    it('addresses a node by index, name or itself, and throws a RangeError for any other', () => {
      const a2 = cluster.nodes[1]!;
      expect(cluster.node(1)).toBe(a2);
      expect(cluster.node('A2')).toBe(a2);
      expect(cluster.node(a2)).toBe(a2);
      expect(() => cluster.node(3)).toThrowError(RangeError, /node must be an index below 3/);
      expect(() => cluster.node('B1')).toThrowError(RangeError, /got B1/);
    });
  });

  describe('tend info', () => {
    it('answers node, cluster-name, features and partitions as a real 8.1.2 node', async () => {
      for (const [i, node] of cluster.nodes.entries()) {
        const reply = await info(node, ['node', 'cluster-name', 'features', 'partitions']);
        expect({ ...reply }).toEqual({ node: `A${i + 1}`, 'cluster-name': 'local', features: `compression;${REAL_FEATURES}`, partitions: '4096' });
      }
    });

    it('lists every other node with its address in peers-clear-std, at peers-generation 4 with default port 3000', async () => {
      const [a1, a2, a3] = cluster.nodes as [SimulatedNode, SimulatedNode, SimulatedNode];
      expect(await one(a1, 'peers-clear-std')).toBe(`4,3000,[[A2,,[127.0.0.1:${a2.port}]],[A3,,[127.0.0.1:${a3.port}]]]`);
      expect(parsePeers(await one(a3, 'peers-clear-std')).peers.map((p) => p.name)).toEqual(['A1', 'A2']);
      expect(await one(a2, 'peers-generation')).toBe('4');
    });

    it('answers peers-clear-alt empty, service-clear-std with its own address and enterprise-only errors for TLS and racks', async () => {
      const node = cluster.nodes[1]!;
      const reply = await info(node, ['peers-clear-alt', 'service-clear-std', 'service-clear-alt', 'peers-tls-std', 'racks:', 'rack-ids']);
      expect({ ...reply }).toEqual({
        'peers-clear-alt': '4,3000,[]',
        'service-clear-std': `127.0.0.1:${node.port}`,
        'service-clear-alt': '',
        'peers-tls-std': 'ERROR:25:enterprise only',
        'racks:': 'ERROR:25:enterprise only',
        'rack-ids': 'ERROR:25:enterprise only',
      });
    });

    it('starts settled: partition-generation 0, rebalance-generation 1 and one hex cluster key on every node', async () => {
      const replies = await Promise.all(cluster.nodes.map((n) => info(n, ['partition-generation', 'rebalance-generation', 'cluster-stable'])));
      expect(replies.map((r) => r['partition-generation'])).toEqual(['0', '0', '0']);
      expect(replies.map((r) => r['rebalance-generation'])).toEqual(['1', '1', '1']);
      expect(replies[0]!['cluster-stable']).toMatch(/^[0-9A-F]{1,16}$/);
      expect(new Set(replies.map((r) => r['cluster-stable'])).size).toBe(1);
    });

    it('gives every partition exactly one master and one prole across the nodes (regime 0, count 2)', async () => {
      const maps = await Promise.all(cluster.nodes.map(async (n) => parseReplicas(await one(n, 'replicas')).get('test')!));
      expect(maps.map((m) => [m.regime, m.partitions.length])).toEqual([[0, 2], [0, 2], [0, 2]]);
      for (let p = 0; p < PARTITION_COUNT; p++) {
        const masters = maps.filter((m) => m.partitions[0]!.has(p)).length;
        const proles = maps.filter((m) => m.partitions[1]!.has(p)).length;
        const both = maps.filter((m) => m.partitions[0]!.has(p) && m.partitions[1]!.has(p)).length;
        if (masters !== 1 || proles !== 1 || both !== 0) fail(`partition ${p}: ${masters} masters, ${proles} proles, ${both} both`);
      }
    });

    it('spreads masters over the nodes', async () => {
      const counts = await Promise.all(cluster.nodes.map(async (n) => parseReplicas(await one(n, 'replicas')).get('test')!.partitions[0]!.size));
      for (const count of counts) expect(count).toBeGreaterThan(PARTITION_COUNT / 4);
    });

    it('reports the same replicas as ownership()', async () => {
      const maps = await Promise.all(cluster.nodes.map(async (n) => parseReplicas(await one(n, 'replicas')).get('test')!));
      for (const p of [0, 1, 2047, 4095]) {
        const fromInfo = [0, 1].map((r) => cluster.nodes[maps.findIndex((m) => m.partitions[r]!.has(p))]!.name);
        expect(cluster.ownership('test', p)).withContext(`partition ${p}`).toEqual(fromInfo);
      }
    });

    it('reports cluster size, replication factor and the objects each node holds in namespace/test', async () => {
      cluster.seed('test', 's', 300);
      const stats = await Promise.all(
        cluster.nodes.map(async (n) => Object.fromEntries((await one(n, 'namespace/test')).split(';').map((kv) => kv.split('=') as [string, string]))),
      );
      expect(stats.map((s) => [s['ns_cluster_size'], s['effective_replication_factor'], s['replication-factor']])).toEqual([
        ['3', '2', '2'],
        ['3', '2', '2'],
        ['3', '2', '2'],
      ]);
      expect(stats.reduce((sum, s) => sum + Number(s['master_objects']), 0)).toBe(300);
      expect(stats.reduce((sum, s) => sum + Number(s['objects']), 0)).toBe(600);
    });

    it('caps the replica count at the node count', async () => {
      await start({ nodes: 1, replicationFactor: 2 });
      const only = cluster.nodes[0]!;
      expect(await one(only, 'peers-clear-std')).toBe('0,3000,[]');
      const test = parseReplicas(await one(only, 'replicas')).get('test')!;
      expect(test.partitions.length).toBe(1);
      expect(test.partitions[0]!.size).toBe(PARTITION_COUNT);
    });

    it('answers replicas for every namespace, joined by ;', async () => {
      await start({ namespaces: ['bar', 'test'] });
      expect([...parseReplicas(await one(cluster.nodes[0]!, 'replicas')).keys()]).toEqual(['bar', 'test']);
    });
  });

  describe('key commands', () => {
    it('serves a put on one node and a get of the same key on every other node', async () => {
      const [a1, a2, a3] = cluster.nodes as [SimulatedNode, SimulatedNode, SimulatedNode];
      expect((await command(a1, encodePut(key(7), { a: 1 }))).resultCode).toBe(0);
      for (const node of [a2, a3]) expect((await command(node, encodeGet(key(7)))).bins['a']).toBe(1);
    });

    it('counts requests by kind on the node that received them', async () => {
      const master = cluster.node(cluster.ownership('test', partitionOf(1))[0]!);
      await command(master, encodePut(key(1), { a: 1 }));
      await command(master, encodeGet(key(1)));
      expect(master.stats.requests).toEqual(jasmine.objectContaining({ put: 1, get: 1 }));
      const others = cluster.nodes.filter((n) => n !== master);
      expect(others.map((n) => n.stats.requests.put + n.stats.requests.get)).toEqual([0, 0]);
    });

    it('gives every node the maxRecordSize option: a larger record is record_too_big (13) on each', async () => {
      await start({ maxRecordSize: 100 });
      // counted: 40 header + 1 set name 's' + per bin 6 + 1 name 'b' + the blob = 48 + blob
      for (const [i, node] of cluster.nodes.entries()) {
        expect((await command(node, encodePut(key(100 + i), { b: Buffer.alloc(53) }))).resultCode).toBe(13);
        expect((await command(node, encodePut(key(100 + i), { b: Buffer.alloc(52) }))).resultCode).toBe(0);
      }
    });
  });

  describe('scan', () => {
    it('returns the records of partitions the node holds and one PARTITION_DONE rc 11 per other partition, then LAST rc 0', async () => {
      cluster.seed('test', 's', 500);
      const a1 = cluster.nodes[0]!;
      const mine = await held(a1);
      const records = await multi(a1, encodePartitionScan({ namespace: 'test', set: 's', taskId: 1 }));
      const last = records.pop()!;
      expect([last.last, last.resultCode]).toEqual([true, 0]);
      const done = records.filter((r) => r.partitionDone);
      const data = records.filter((r) => !r.partitionDone);
      expect(done.every((r) => r.resultCode === 11 && r.info3 === 0x04)).toBe(true);
      expect(done.map((r) => r.generation).sort((a, b) => a - b)).toEqual(
        Array.from({ length: PARTITION_COUNT }, (_, p) => p).filter((p) => !mine.has(p)),
      );
      const expected = Array.from({ length: 500 }, (_, k) => k).filter((k) => mine.has(partitionOf(k)));
      expect(data.map((r) => r.key as number).sort((a, b) => a - b)).toEqual(expected);
    });

    it('answers partitions in request order, records of a partition in descending digest order', async () => {
      cluster.seed('test', 's', 10_000);
      const a1 = cluster.nodes[0]!;
      const mine = [...(await held(a1))].slice(0, 40).reverse();
      const records = (await multi(a1, encodePartitionScan({ namespace: 'test', set: 's', taskId: 2, partitionIds: mine }))).filter((r) => !r.last);
      expect(records.some((r) => r.partitionDone)).toBe(false);
      const order = records.map((r) => partitionId(r.digest!));
      const seeded = new Set(Array.from({ length: 10_000 }, (_, k) => partitionOf(k)));
      expect(order.filter((p, i) => i === 0 || p !== order[i - 1])).toEqual(mine.filter((p) => seeded.has(p)));
      for (let i = 1; i < records.length; i++) {
        if (order[i] === order[i - 1]) expect(Buffer.compare(records[i - 1]!.digest!, records[i]!.digest!)).toBe(1);
      }
    });

    it('lets the masters of all partitions return every record exactly once', async () => {
      cluster.seed('test', 's', 300);
      const keys: number[] = [];
      for (const node of cluster.nodes) {
        const masterOf = Array.from({ length: PARTITION_COUNT }, (_, p) => p).filter((p) => cluster.ownership('test', p)[0] === node.name);
        const records = await multi(node, encodePartitionScan({ namespace: 'test', set: 's', taskId: 3, partitionIds: masterOf }));
        expect(records.filter((r) => r.partitionDone).length).toBe(0);
        keys.push(...records.filter((r) => !r.last).map((r) => r.key as number));
      }
      expect(keys.sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, k) => k));
    });
  });

  describe('kill', () => {
    it('refuses new connects and destroys the open connections of the killed node', async () => {
      const a2 = cluster.nodes[1]!;
      const conn = await firstValueFrom(transport.connect$(a2.host, a2.port));
      await cluster.kill('A2');
      expect(a2.alive).toBe(false);
      await expectAsync(firstValueFrom(transport.info$(conn, ['node']))).toBeRejectedWith(jasmine.objectContaining({ code: 'network_error' }));
      const refused = firstValueFrom(transport.connect$(a2.host, a2.port));
      await expectAsync(refused).toBeRejectedWith(jasmine.objectContaining({ code: 'connection_error' }));
      await expectAsync(refused).toBeRejectedWithError(AerospikeError, /ECONNREFUSED/);
      transport.close(conn);
    });

    it('drops the node from the others peers and replicas and bumps their generations (detectionDelayMs 0: at once)', async () => {
      const [a1, , a3] = cluster.nodes as [SimulatedNode, SimulatedNode, SimulatedNode];
      const keyBefore = await one(a1, 'cluster-stable');
      await cluster.kill(1);
      const reply = await info(a1, ['peers-clear-std', 'partition-generation', 'cluster-stable', 'rebalance-generation']);
      expect(reply['peers-clear-std']).toBe(`5,3000,[[A3,,[127.0.0.1:${a3.port}]]]`);
      expect(Number(reply['partition-generation'])).toBeGreaterThan(2000); // 2748 on the real cluster
      expect(reply['cluster-stable']).not.toBe(keyBefore);
      expect(reply['cluster-stable']).toBe(await one(a3, 'cluster-stable'));
      expect(reply['rebalance-generation']).toBe('2');
      const union = new Set([...(await held(a1)), ...(await held(a3))]);
      expect(union.size).toBe(PARTITION_COUNT);
      expect(cluster.view).toEqual(['A1', 'A3']);
      expect(cluster.ownership('test', 0)).not.toContain('A2');
    });

    it('keeps the killed node in the others peers and replicas until detectionDelayMs has passed', async () => {
      await start({ detectionDelayMs: 150 });
      const a1 = cluster.nodes[0]!;
      const replicasBefore = await one(a1, 'replicas');
      await cluster.kill('A2');
      expect(parsePeers(await one(a1, 'peers-clear-std')).peers.map((p) => p.name)).toEqual(['A2', 'A3']);
      expect(await one(a1, 'replicas')).toBe(replicasBefore);
      expect(await one(a1, 'partition-generation')).toBe('0');
      await cluster.settled();
      expect(parsePeers(await one(a1, 'peers-clear-std'))).toEqual(jasmine.objectContaining({ generation: 5, peers: [jasmine.objectContaining({ name: 'A3' })] }));
      expect(await one(a1, 'replicas')).not.toBe(replicasBefore);
    });

    it('keeps every record through one kill with replication factor 2', async () => {
      cluster.seed('test', 's', 200);
      await cluster.kill(0);
      const records = await multi(cluster.nodes[1]!, encodePartitionScan({ namespace: 'test', set: 's', taskId: 4, partitionIds: [...(await held(cluster.nodes[1]!))] }));
      const fromA3 = await multi(cluster.nodes[2]!, encodePartitionScan({ namespace: 'test', set: 's', taskId: 5 }));
      const keys = new Set([...records, ...fromA3].filter((r) => !r.last && !r.partitionDone).map((r) => r.key));
      expect(keys.size).toBe(200);
    });

    it('loses the records of partitions whose every copy was on killed nodes, as an in-memory namespace does', async () => {
      await start({ replicationFactor: 1 });
      cluster.seed('test', 's', 200);
      const onA2 = Array.from({ length: 200 }, (_, k) => k).filter((k) => cluster.ownership('test', partitionOf(k))[0] === 'A2');
      await cluster.kill('A2');
      expect(cluster.store.count('test')).toBe(200 - onA2.length);
      expect((await command(cluster.nodes[0]!, encodeGet(key(onA2[0]!)))).resultCode).toBe(2);
    });
  });

  describe('revive', () => {
    it('listens on the same port again, with a low peers-generation while the survivors go up (as a real quick restart)', async () => {
      const a2 = cluster.nodes[1]!;
      const port = a2.port;
      await cluster.kill(a2);
      await cluster.revive(a2);
      expect(a2.port).toBe(port);
      expect(a2.alive).toBe(true);
      expect(await one(a2, 'peers-generation')).toBe('4');
      expect(await one(cluster.nodes[0]!, 'peers-generation')).toBe('7');
      expect(parsePeers(await one(cluster.nodes[0]!, 'peers-clear-std')).peers.map((p) => p.name)).toEqual(['A2', 'A3']);
      expect(cluster.view).toEqual(['A1', 'A2', 'A3']);
    });

    it('gives the revived node partitions again and a new partition-generation on every node', async () => {
      const a1 = cluster.nodes[0]!;
      await cluster.kill(1);
      const generationAfterKill = Number(await one(a1, 'partition-generation'));
      await cluster.revive(1);
      expect(Number(await one(a1, 'partition-generation'))).toBeGreaterThan(generationAfterKill);
      expect((await held(cluster.nodes[1]!)).size).toBeGreaterThan(PARTITION_COUNT / 2);
      expect(new Set(await Promise.all(cluster.nodes.map((n) => one(n, 'cluster-stable')))).size).toBe(1);
    });

    it('cancels a pending detection: the others never drop a node revived in time', async () => {
      await start({ detectionDelayMs: 10_000 });
      await cluster.kill(2);
      await cluster.revive(2);
      await cluster.settled();
      expect(parsePeers(await one(cluster.nodes[0]!, 'peers-clear-std')).peers.map((p) => p.name)).toEqual(['A2', 'A3']);
    });
  });

  describe('rebalance', () => {
    it('moves every master and bumps partition- and rebalance-generation, not peers-generation', async () => {
      const a1 = cluster.nodes[0]!;
      const before = Array.from({ length: PARTITION_COUNT }, (_, p) => cluster.ownership('test', p)[0]);
      const replicasBefore = await one(a1, 'replicas');
      cluster.rebalance();
      const after = Array.from({ length: PARTITION_COUNT }, (_, p) => cluster.ownership('test', p)[0]);
      expect(after.every((master, p) => master !== before[p])).toBe(true);
      const reply = await info(a1, ['replicas', 'partition-generation', 'rebalance-generation', 'peers-generation']);
      expect(reply['replicas']).not.toBe(replicasBefore);
      expect(Number(reply['partition-generation'])).toBe(PARTITION_COUNT);
      expect([reply['rebalance-generation'], reply['peers-generation']]).toEqual(['2', '4']);
    });
  });

  describe('unavailable', () => {
    it('answers rc 11 for key commands on those partitions on that node only', async () => {
      const p = partitionOf(3);
      cluster.unavailable('A1', [p]);
      const [a1, a2] = cluster.nodes as [SimulatedNode, SimulatedNode];
      expect((await command(a1, encodePut(key(3), { a: 1 }))).resultCode).toBe(11);
      expect((await command(a1, encodeGet(key(3)))).resultCode).toBe(11);
      expect((await command(a2, encodePut(key(3), { a: 1 }))).resultCode).toBe(0);
      expect((await command(a1, encodeGet(key(4)))).resultCode).toBe(partitionOf(4) === p ? 11 : 2);
    });

    it('answers rc 11 for the batch entries of those partitions', async () => {
      cluster.seed('test', 's', 3);
      cluster.unavailable(0, [partitionOf(1)]);
      const records = await multi(cluster.nodes[0]!, encodeBatchGet([0, 1, 2].map((k) => key(k))));
      expect(records.filter((r) => !r.last).map((r) => [r.batchIndex, r.resultCode])).toEqual([
        [0, 0],
        [1, 11],
        [2, 0],
      ]);
    });

    it('answers PARTITION_DONE rc 11 in scans for those partitions, even held ones', async () => {
      cluster.seed('test', 's', 100);
      const a1 = cluster.nodes[0]!;
      const mine = [...(await held(a1))].slice(0, 3);
      cluster.unavailable(a1, [mine[1]!]);
      const records = await multi(a1, encodePartitionScan({ namespace: 'test', set: 's', taskId: 6, partitionIds: mine }));
      expect(records.filter((r) => r.partitionDone).map((r) => [r.generation, r.resultCode])).toEqual([[mine[1]!, 11]]);
    });

    it('serves the partitions again after available()', async () => {
      cluster.unavailable(0, 'all');
      cluster.available(0, [partitionOf(5)]);
      expect((await command(cluster.nodes[0]!, encodeGet(key(5)))).resultCode).toBe(2);
      expect((await command(cluster.nodes[0]!, encodeGet(key(6)))).resultCode).toBe(partitionOf(6) === partitionOf(5) ? 2 : 11);
      cluster.available(0);
      expect((await command(cluster.nodes[0]!, encodeGet(key(6)))).resultCode).toBe(2);
    });

    it('rejects a partition id outside 0..4095 with a RangeError', () => {
      expect(() => cluster.unavailable(0, [4096])).toThrowError(RangeError, /partition must be an integer in \[0, 4096\), got 4096/);
    });
  });

  describe('security', () => {
    it('requires a login on every node when users are set', async () => {
      await start({ nodes: 2, users: { admin: 'secret' } });
      for (const node of cluster.nodes) expect(await one(node, 'node')).toBe('ERROR:80:not authenticated');
      const conn = await firstValueFrom(transport.connect$(cluster.nodes[1]!.host, cluster.nodes[1]!.port, { user: 'admin', password: 'secret' }));
      expect((await firstValueFrom(transport.info$(conn, ['node'])))['node']).toBe('A2');
      transport.close(conn);
    });
  });

  describe('stop', () => {
    it('leaves no socket, listener or detection timer behind, even with a killed node and a pending detection', async () => {
      await cluster.stop();
      // the detection timer is followed by its own object, not by the process's timer count, which
      // timers of earlier specs can move
      const detectionTimers: NodeJS.Timeout[] = [];
      const realSetTimeout = global.setTimeout;
      spyOn(global, 'setTimeout').and.callFake(((fn: () => void, ms?: number) => {
        const timer = realSetTimeout(fn, ms);
        if (ms === 60_000) detectionTimers.push(timer);
        return timer;
      }) as typeof setTimeout);
      const clearTimeoutSpy = spyOn(global, 'clearTimeout').and.callThrough();
      await start({ detectionDelayMs: 60_000 });
      const conn = await firstValueFrom(transport.connect$(cluster.nodes[0]!.host, cluster.nodes[0]!.port));
      await cluster.kill(1);
      await sleep(10); // the node's side of the connection is accepted
      expect(tcpHandlesOn(cluster.nodes[0]!.port)).toBe(3); // listener, client, node side
      expect(detectionTimers.length).toBe(1);
      expect(clearTimeoutSpy).not.toHaveBeenCalledWith(detectionTimers[0]);
      await cluster.stop();
      transport.close(conn);
      expect(clearTimeoutSpy).toHaveBeenCalledWith(detectionTimers[0]);
      // counted on the nodes' ports, so sockets of earlier specs that are still closing do not count
      const onPorts = () => cluster.nodes.reduce((n, node) => n + tcpHandlesOn(node.port), 0);
      for (let i = 0; i < 100 && onPorts() > 0; i++) await sleep(10);
      expect(onPorts()).toBe(0);
      expect(cluster.nodes.every((n) => !n.alive)).toBe(true);
    });
  });
});
