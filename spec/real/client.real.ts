// Integration specs of AerospikeClient against a real 3-node cluster (npm run test:real): every
// method, every value type written by this client and read back, and a scan with a node crashed mid-scan.
import { firstValueFrom, lastValueFrom, map, mergeMap, range, toArray } from 'rxjs';
import { AerospikeClient } from '../../lib/client/aerospike-client';
import type { AerospikeRecord } from '../../lib/client/record-commands';
import { TcpTransport } from '../../lib/net/tcp-transport';
import { coalescerState } from '../../lib/net/write-coalescer';
import { Double } from '../../lib/protocol/double';
import { op } from '../../lib/protocol/operations';
import { canCrash, FIRST_SEED, killNode, reviveNode, sleep, warmedUp } from './real-cluster';

const key = (k: string | number, set = 'rx-client') => ({ namespace: 'test', set, key: k });

describe('AerospikeClient on a real 3-node cluster', () => {
  let client: AerospikeClient;
  beforeAll(async () => {
    await warmedUp();
    client = await firstValueFrom(AerospikeClient.connect$({ seeds: FIRST_SEED, transport: new TcpTransport(), tendIntervalMs: 250, policies: { write: { maxRetries: 2 } } }));
  }, 60_000);
  afterAll(() => client.close());

  it('writes every value type and reads it back', async () => {
    const bins = {
      t: true,
      i: -123456,
      big: -(2n ** 62n),
      d: 0.5,
      dd: Double(2),
      s: 'grüße 🌍',
      b: Buffer.from('bytes'),
      l: [1, 2.5, 'x', Buffer.from([7]), [true, null], { deep: [{ deeper: 2n ** 60n }] }],
      o: { name: 'Ada', tags: ['a', 'b'], nested: { x: -1 } },
      m: new Map<unknown, unknown>([[10, 'ten'], ['s', new Map([[1, 2]])]]),
      e: [],
      eo: {},
    };
    await firstValueFrom(client.put$(key('types'), bins as never));
    const record = await firstValueFrom(client.get$(key('types')));
    expect(record!.bins).toEqual({ ...bins, dd: 2, m: new Map<unknown, unknown>([[10, 'ten'], ['s', new Map([[1, 2]])]]) } as never);
  });

  it('runs put, get, exists, touch, operate, delete with their null rules and result codes', async () => {
    await firstValueFrom(client.delete$(key('ada')));
    expect((await firstValueFrom(client.put$(key('ada'), { n: 1, l: ['a'] }, { sendKey: true }))).generation).toBe(1);
    await expectAsync(firstValueFrom(client.put$(key('ada'), { n: 2 }, { exists: 'create_only' }))).toBeRejectedWith(jasmine.objectContaining({ code: 'key_exists', resultCode: 5 }));
    await expectAsync(firstValueFrom(client.put$(key('ada'), { n: 2 }, { generation: 9 }))).toBeRejectedWith(jasmine.objectContaining({ code: 'generation_error' }));
    expect(await firstValueFrom(client.exists$(key('ada')))).toBeTrue();
    expect((await firstValueFrom(client.touch$(key('ada'), { ttlSeconds: 3600 }))).generation).toBe(2);
    const r = await firstValueFrom(client.operate$(key('ada'), [op.add('n', 5), op.listAppend('l', 'b'), op.get('n')]));
    expect(r!.bins).toEqual(jasmine.objectContaining({ n: 6, l: 2 }));
    expect((await firstValueFrom(client.get$(key('ada'), { bins: ['l'] })))!.bins).toEqual({ l: ['a', 'b'] });
    expect(await firstValueFrom(client.delete$(key('ada')))).toBeTrue();
    expect(await firstValueFrom(client.get$(key('ada')))).toBeNull();
    expect(await firstValueFrom(client.delete$(key('ada')))).toBeFalse();
    expect(await firstValueFrom(client.operate$(key('ada'), [op.get('n')]))).toBeNull();
    await expectAsync(firstValueFrom(client.touch$(key('ada')))).toBeRejectedWith(jasmine.objectContaining({ code: 'key_not_found' }));
  });

  it('batchGet$ returns records in caller order with null for missing keys', async () => {
    for (let i = 0; i < 20; i++) await firstValueFrom(client.put$(key(i), { i }));
    const records = await firstValueFrom(client.batchGet$([19, 1000, 3, 0].map((k) => key(k))));
    expect(records.map((x) => (x === null ? null : x.bins['i']))).toEqual([19, null, 3, 0]);
  });

  it('64 calls in flight each get their own record while the transport holds requests back', async () => {
    const keys = 2000;
    const heldBefore = coalescerState().heldTotal;
    await lastValueFrom(range(0, keys).pipe(mergeMap((k) => client.put$(key(k, 'rx-coalesce'), { k }), 64), toArray()));
    const read = await lastValueFrom(range(0, keys).pipe(mergeMap((k) => client.get$(key(k, 'rx-coalesce')).pipe(map((r) => [k, r!.bins['k']] as const)), 64), toArray()));
    expect(read.filter(([k, bin]) => k !== bin)).toEqual([]);
    expect(read.length).toBe(keys);
    expect(coalescerState().heldTotal).toBeGreaterThan(heldBefore);
  });

  it('info$ / infoAll$ reach the nodes and truncate$ empties a set', async () => {
    const all = await lastValueFrom(client.infoAll$(['node']).pipe(toArray()));
    expect(all.length).toBe(3);
    await firstValueFrom(client.put$(key('gone', 'rx-truncate'), { n: 1 }));
    await firstValueFrom(client.truncate$('test', 'rx-truncate'));
    await sleep(500);
    expect(await firstValueFrom(client.get$(key('gone', 'rx-truncate')))).toBeNull();
  });

  (canCrash ? it : xit)(
    'a scan with a node crashed mid-scan returns every record exactly once',
    async () => {
      const COUNT = 3000;
      const blob = Buffer.alloc(2048, 7);
      // seeding is not under test: in CI this can be the first write to a cluster formed seconds ago,
      // where one 2 KiB write of a hundred in flight once waited out the default 1000 ms total
      const seedPolicy = { totalTimeoutMs: 10_000, socketTimeoutMs: 2_000, maxRetries: 5 };
      for (let i = 0; i < COUNT; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => firstValueFrom(client.put$(key(i + j, 'rx-scan'), { n: i + j, blob }, seedPolicy))));
      const seen = new Map<number, number>();
      let killed: Promise<void> | undefined;
      try {
        const records = await new Promise<AerospikeRecord[]>((resolve, reject) => {
          const out: AerospikeRecord[] = [];
          client.scan$('test', 'rx-scan').subscribe({
            next: (r) => {
              out.push(r);
              if (killed === undefined && out.length === 200) killed = killNode(2);
            },
            error: reject,
            complete: () => resolve(out),
          });
        });
        for (const r of records) seen.set(r.bins['n'] as number, (seen.get(r.bins['n'] as number) ?? 0) + 1);
        expect(killed).toBeDefined();
        expect(seen.size).toBe(COUNT);
        expect([...seen.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      } finally {
        await killed;
        await reviveNode(2);
        for (let waited = 0; waited < 15_000 && client.stats().nodes.length < 3; waited += 100) await sleep(100);
      }
    },
    120_000,
  );
});
