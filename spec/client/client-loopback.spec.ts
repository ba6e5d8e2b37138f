// Every AerospikeClient method and value type over real sockets against a 3-node SimulatedCluster,
// including a 2,000-record scan across 3 nodes with a node killed mid-scan (every record exactly once).
import { firstValueFrom, lastValueFrom, map, mergeMap, range, toArray } from 'rxjs';
import { AerospikeClient } from '../../lib/client/aerospike-client';
import type { AerospikeRecord } from '../../lib/client/record-commands';
import { AerospikeError } from '../../lib/errors';
import { TcpTransport } from '../../lib/net/tcp-transport';
import { coalescerState } from '../../lib/net/write-coalescer';
import { Double } from '../../lib/protocol/double';
import { computeDigest, partitionId } from '../../lib/protocol/digest';
import { op } from '../../lib/protocol/operations';
import { SimulatedCluster } from '../../lib/testing/simulated-cluster';
import { leftovers } from '../helpers/transport-harness';

const key = (k: string | number) => ({ namespace: 'test', set: 'people', key: k });

describe('AerospikeClient over loopback sockets (SimulatedCluster)', () => {
  let sim: SimulatedCluster;
  let client: AerospikeClient;
  let baseline: Record<string, number>;

  beforeEach(async () => {
    baseline = await leftovers({}, 0);
    sim = await SimulatedCluster.start({ nodes: 3, replicationFactor: 2, detectionDelayMs: 100, scanFrameBytes: 2048 });
    client = await firstValueFrom(AerospikeClient.connect$({ seeds: sim.seeds.split(',')[0]!, transport: new TcpTransport(), tendIntervalMs: 100 }));
  });

  afterEach(async () => {
    client.close();
    await sim.stop();
  });

  it('sees the three nodes from one seed', async () => {
    expect((await firstValueFrom(client.nodes$)).map((n) => n.name)).toEqual(['A1', 'A2', 'A3']);
  });

  it('gives each of 64 calls in flight its own record while the transport holds requests back', async () => {
    const keys = 600;
    let heldBefore = coalescerState().heldTotal;
    await lastValueFrom(range(0, keys).pipe(mergeMap((k) => client.put$(key(`c${k}`), { k, s: `v${k}` }), 64), toArray()));
    // the load was coalesced: requests begun in reply callbacks were held to their turn's end
    expect(coalescerState().heldTotal).toBeGreaterThan(heldBefore);
    heldBefore = coalescerState().heldTotal;
    const read = await lastValueFrom(range(0, keys).pipe(mergeMap((k) => client.get$(key(`c${k}`)).pipe(map((r) => [k, r!.bins] as const)), 64), toArray()));
    expect(read.length).toBe(keys);
    for (const [k, bins] of read) expect(bins).toEqual({ k, s: `v${k}` });
    expect(coalescerState().heldTotal).toBeGreaterThan(heldBefore);
  });

  it('writes and reads back every value type', async () => {
    const bins = {
      nil: null,
      t: true,
      f: false,
      i: -123456,
      big: -(2n ** 62n),
      d: 0.5,
      dd: Double(2),
      s: 'grüße 🌍',
      b: Buffer.from('bytes'),
      u8: new Uint8Array([0, 255]),
      l: [1, 2.5, 'x', Buffer.from([7]), [true, null], { deep: [{ deeper: 1n << 40n }] }],
      o: { name: 'Ada', tags: ['a', 'b'], nested: { x: -1 } },
      m: new Map<unknown, unknown>([[10, 'ten'], [Buffer.from('k'), 'bytes key'], ['s', new Map([[1, 2]])]]),
      e: [],
      eo: {},
    };
    await firstValueFrom(client.put$(key('types'), bins as never));
    const record = await firstValueFrom(client.get$(key('types')));
    expect(record!.bins).toEqual({
      t: true,
      f: false,
      i: -123456,
      big: -(2n ** 62n),
      d: 0.5,
      dd: 2,
      s: 'grüße 🌍',
      b: Buffer.from('bytes'),
      u8: Buffer.from([0, 255]),
      // a safe integer reads back as a number, whatever it was written as
      l: [1, 2.5, 'x', Buffer.from([7]), [true, null], { deep: [{ deeper: 2 ** 40 }] }],
      o: { name: 'Ada', tags: ['a', 'b'], nested: { x: -1 } },
      m: jasmine.any(Map) as never,
      e: [],
      eo: {},
    } as never);
    // map keys in the server's order: integers, strings, bytes
    expect([...(record!.bins['m'] as Map<unknown, unknown>)]).toEqual([
      [10, 'ten'],
      ['s', new Map([[1, 2]])],
      [Buffer.from('k'), 'bytes key'],
    ]);
  });

  it('get$ and operate$ values keep their bytes while later replies are read into the same buffers', async () => {
    const blob = (k: number) => Buffer.alloc(300, k);
    for (let k = 0; k < 20; k++) await firstValueFrom(client.put$(key(`blob${k}`), { b: blob(k), l: [blob(k)], m: new Map([['x', blob(k)]]) }));
    const got: AerospikeRecord[] = [];
    for (let k = 0; k < 20; k++) got.push((await firstValueFrom(client.get$(key(`blob${k}`))))!);
    const operated = await firstValueFrom(client.operate$(key('blob0'), [op.get('b')]));
    for (let k = 1; k < 20; k++) await firstValueFrom(client.get$(key(`blob${k}`)));
    got.forEach((record, k) => expect(record.bins).withContext(`record ${k}`).toEqual({ b: blob(k), l: [blob(k)], m: { x: blob(k) } }));
    expect(operated!.bins).toEqual({ b: blob(0) });
  });

  it('put$, get$, exists$, touch$, delete$ with their null rules and routing to the master', async () => {
    const before = sim.nodes.map((n) => n.stats.requests.put);
    expect(await firstValueFrom(client.put$(key('ada'), { n: 1 }, { sendKey: true, ttlSeconds: 100 }))).toEqual({ generation: 1, ttlSeconds: jasmine.any(Number) as never });
    const master = sim.ownership('test', partitionId(computeDigest('people', 'ada')))[0];
    expect(sim.nodes.map((n, i) => n.stats.requests.put - before[i]!)).toEqual(sim.nodes.map((n) => (n.name === master ? 1 : 0)));
    expect(await firstValueFrom(client.exists$(key('ada')))).toBeTrue();
    expect((await firstValueFrom(client.touch$(key('ada')))).generation).toBe(2);
    expect(await firstValueFrom(client.delete$(key('ada')))).toBeTrue();
    expect(await firstValueFrom(client.get$(key('ada')))).toBeNull();
    expect(await firstValueFrom(client.exists$(key('ada')))).toBeFalse();
    expect(await firstValueFrom(client.delete$(key('ada')))).toBeFalse();
    await expectAsync(firstValueFrom(client.touch$(key('ada')))).toBeRejectedWith(jasmine.objectContaining({ code: 'key_not_found' }));
  });

  it('operate$ runs every operation', async () => {
    await firstValueFrom(client.put$(key('ops'), { n: 1, s: 'b', l: [1, 2, 3], m: { a: 1, b: 2 } }));
    const r1 = await firstValueFrom(client.operate$(key('ops'), [op.add('n', 2), op.append('s', 'c'), op.prepend('s', 'a'), op.put('p', 'new'), op.get('n'), op.get('s')]));
    expect(r1!.bins).toEqual(jasmine.objectContaining({ n: 3, s: 'abc' }));
    const r2 = await firstValueFrom(client.operate$(key('ops'), [op.listAppend('l', 4), op.listGetByIndex('l', -1), op.listRemoveByIndex('l', 0), op.listSize('l')]));
    expect(r2!.bins['l']).toBe(3);
    const r3 = await firstValueFrom(client.operate$(key('ops'), [op.mapPut('m', 'c', 3), op.mapGetByKey('m', 'c'), op.mapRemoveByKey('m', 'a'), op.mapSize('m')]));
    expect(r3!.bins['m']).toBe(2);
    const r4 = await firstValueFrom(client.operate$(key('ops'), [op.getHeader()]));
    expect(r4!.bins).toEqual({});
    expect(r4!.generation).toBe(4);
    const r5 = await firstValueFrom(client.operate$(key('ops'), [op.touch(), op.get()]));
    expect(r5!.bins).toEqual({ n: 3, s: 'abc', p: 'new', l: [2, 3, 4], m: { b: 2, c: 3 } });
    await firstValueFrom(client.operate$(key('ops'), [op.delete()]));
    expect(await firstValueFrom(client.get$(key('ops')))).toBeNull();
  });

  it('batchGet$ reads keys from every node in caller order', async () => {
    for (let i = 0; i < 30; i++) await firstValueFrom(client.put$(key(i), { i }));
    const keys = [29, 100, 0, 15, 101, 7].map(key);
    const records = await firstValueFrom(client.batchGet$(keys));
    expect(records.map((r) => (r === null ? null : r.bins['i']))).toEqual([29, null, 0, 15, null, 7]);
    expect(sim.nodes.filter((n) => n.stats.requests.batch > 0).length).toBeGreaterThan(1);
  });

  it('scan$ of 2,000 records across 3 nodes with a node killed mid-scan returns every record exactly once', async () => {
    sim.seed('test', 'big', 2000, 64);
    const seen = new Map<number, number>();
    let killed = false;
    const records = await new Promise<AerospikeRecord[]>((resolve, reject) => {
      const out: AerospikeRecord[] = [];
      client.scan$('test', 'big').subscribe({
        next: (r) => {
          out.push(r);
          if (!killed && out.length === 300) {
            killed = true;
            void sim.kill('A2');
          }
        },
        error: reject,
        complete: () => resolve(out),
      });
    });
    for (const r of records) seen.set(r.bins['n'] as number, (seen.get(r.bins['n'] as number) ?? 0) + 1);
    expect(killed).toBeTrue();
    expect(seen.size).toBe(2000);
    expect([...seen.values()].every((n) => n === 1)).toBeTrue();
  });

  it('scanIterable reads 2,000 records with backpressure, and break stops every node', async () => {
    sim.seed('test', 'big', 2000, 64);
    let count = 0;
    for await (const record of client.scanIterable('test', 'big')) {
      expect(record.key.namespace).toBe('test');
      count++;
    }
    expect(count).toBe(2000);
    for await (const _ of client.scanIterable('test', 'big')) break;
    // streams cut short were destroyed: nothing is in use in any pool
    expect(client.stats().nodes.every((n) => n.connections.inUse === 0)).toBeTrue();
  });

  it('info$, infoAll$ and truncate$', async () => {
    expect((await firstValueFrom(client.info$(['node'], { node: 'A3' })))['node']).toBe('A3');
    const all = await lastValueFrom(client.infoAll$(['node']).pipe(toArray()));
    expect(all.map((a) => a.reply['node']).sort()).toEqual(['A1', 'A2', 'A3']);
    await firstValueFrom(client.put$(key('t'), { n: 1 }));
    await firstValueFrom(client.put$({ namespace: 'test', set: 'other', key: 't' }, { n: 1 }));
    await firstValueFrom(client.truncate$('test', 'people'));
    expect(await firstValueFrom(client.get$(key('t')))).toBeNull();
    expect(await firstValueFrom(client.get$({ namespace: 'test', set: 'other', key: 't' }))).not.toBeNull();
    await firstValueFrom(client.truncate$('test'));
    expect(await firstValueFrom(client.get$({ namespace: 'test', set: 'other', key: 't' }))).toBeNull();
  });

  it('leaves no socket or timer behind after close()', async () => {
    await firstValueFrom(client.put$(key('x'), { n: 1 }));
    client.close();
    await sim.stop();
    expect(await leftovers(baseline, 2000)).toEqual({});
  });

  it('a closed client fails calls with client_closed', async () => {
    client.close();
    await expectAsync(firstValueFrom(client.get$(key('x')))).toBeRejectedWith(new AerospikeError('client_closed', 'the client is closed'));
  });
});
