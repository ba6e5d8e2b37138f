import { firstValueFrom } from 'rxjs';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { InfoReply } from '../../lib/node-transport';
import { decodeRecord } from '../../lib/protocol/record';
import { encodeGet, encodePut } from '../../lib/protocol/requests';
import { SimulatedNode } from '../../lib/testing/simulated-node';
import { parsePeers, parseReplicas } from './cluster-info-parsers';
import { tcpHandles, tcpHandlesOn } from './raw-client';

const transport = new TcpTransport();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function info(node: SimulatedNode, names: readonly string[]): Promise<InfoReply> {
  const conn = await firstValueFrom(transport.connect$(node.host, node.port));
  try {
    return await firstValueFrom(transport.info$(conn, names));
  } finally {
    transport.close(conn);
  }
}

describe('SimulatedNode standalone cluster facts and lifecycle', () => {
  let baselineHandles: number;
  let node: SimulatedNode;

  beforeAll(() => {
    baselineHandles = tcpHandles();
  });

  afterAll(async () => {
    for (let i = 0; i < 100 && tcpHandles() > baselineHandles; i++) await sleep(10);
    expect(tcpHandles()).withContext('TCP handles left behind').toBeLessThanOrEqual(baselineHandles);
  });

  beforeEach(async () => {
    node = await SimulatedNode.start({ nodeName: 'BB9010000000001', clusterName: 'solo' });
  });

  afterEach(async () => {
    await node.stop();
  });

  describe('tend info of a one-node cluster', () => {
    it('owns every partition as master in replicas (regime 0, count 1), as a real single node', async () => {
      const test = parseReplicas((await info(node, ['replicas']))['replicas']!).get('test')!;
      expect(test.regime).toBe(0);
      expect(test.partitions.length).toBe(1);
      expect(test.partitions[0]!.size).toBe(4096);
    });

    it('answers an empty peers list, settled generations, a cluster key, its service and its cluster name', async () => {
      const reply = await info(node, ['peers-clear-std', 'peers-generation', 'partition-generation', 'cluster-stable', 'service-clear-std', 'cluster-name']);
      expect(parsePeers(reply['peers-clear-std']!)).toEqual({ generation: 0, defaultPort: 3000, peers: [] });
      expect([reply['peers-generation'], reply['partition-generation']]).toEqual(['0', '0']);
      expect(reply['cluster-stable']).toMatch(/^[0-9A-F]{12}$/);
      expect(reply['service-clear-std']).toBe(`127.0.0.1:${node.port}`);
      expect(reply['cluster-name']).toBe('solo');
    });

    it('lists pscans and the other 8.1.2 features the official client relies on', async () => {
      const features = (await info(node, ['features']))['features']!.split(';');
      expect(features).toEqual(jasmine.arrayContaining(['pscans', 'pquery', 'batch-any', 'peers', 'replicas', 'cluster-stable', 'query-show']));
    });

    it('answers namespace/<ns> with its objects and replication factor 1, and type=unknown for another namespace', async () => {
      node.seed('test', 's', 5);
      const reply = await info(node, ['namespace/test', 'namespace/nope']);
      expect(reply['namespace/test']).toContain('objects=5;master_objects=5;prole_objects=0');
      expect(reply['namespace/test']).toContain('replication-factor=1');
      expect(reply['namespace/nope']).toBe('type=unknown');
    });

    it('counts the info names it answered', async () => {
      await info(node, ['node', 'partition-generation']);
      await info(node, ['node']);
      expect(node.stats.infoNames).toEqual({ node: 2, 'partition-generation': 1 });
    });
  });

  describe('kill and revive', () => {
    it('refuses connects after kill and destroys the open connections', async () => {
      const conn = await firstValueFrom(transport.connect$(node.host, node.port));
      await node.kill();
      expect(node.alive).toBe(false);
      await expectAsync(firstValueFrom(transport.info$(conn, ['node']))).toBeRejectedWith(jasmine.objectContaining({ code: 'network_error' }));
      await expectAsync(firstValueFrom(transport.connect$(node.host, node.port))).toBeRejectedWith(jasmine.objectContaining({ code: 'connection_error' }));
      transport.close(conn);
    });

    it('listens on the same port after revive, with its records and stats kept', async () => {
      const port = node.port;
      const conn = await firstValueFrom(transport.connect$(node.host, port));
      await firstValueFrom(transport.command$(conn, encodePut({ namespace: 'test', set: 's', key: 1 }, { a: 1 }), 1000));
      transport.close(conn);
      await node.kill();
      await node.revive();
      expect(node.port).toBe(port);
      const again = await firstValueFrom(transport.connect$(node.host, port));
      expect(decodeRecord(await firstValueFrom(transport.command$(again, encodeGet({ namespace: 'test', set: 's', key: 1 }), 1000))).bins['a']).toBe(1);
      transport.close(again);
      expect(node.stats.requests.put).toBe(1);
    });

    it('treats a second kill or revive as a no-op', async () => {
      await node.kill();
      await node.kill();
      await node.revive();
      await node.revive();
      expect((await info(node, ['node']))['node']).toBe('BB9010000000001');
    });

    it('stops cleanly while killed, releasing the reserved port', async () => {
      // counted on the node's port, so sockets of earlier specs that are still closing do not count
      const port = node.port;
      await node.kill();
      expect(tcpHandlesOn(port)).toBe(1); // the reservation holds the port
      await node.stop();
      for (let i = 0; i < 100 && tcpHandlesOn(port) > 0; i++) await sleep(10);
      expect(tcpHandlesOn(port)).toBe(0); // the listener's reservation is gone too
      node = await SimulatedNode.start(); // for afterEach
    });
  });
});
