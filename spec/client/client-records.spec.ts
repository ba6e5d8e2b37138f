// The single-record methods of AerospikeClient (client-design.md §C2) on a FakeCluster in virtual time:
// values round trip, null rules, result codes by name, routing, retries, cancellation, call-time checks.
import { inspect } from 'node:util';
import { concat, NEVER, toArray } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { Double } from '../../lib/protocol/double';
import { op } from '../../lib/protocol/operations';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { runMarbles } from '../cluster/cluster-harness';
import { clientOn } from './client-harness';

const key = { namespace: 'test', set: 'users', key: 'ada' };
const missing = { namespace: 'test', set: 'users', key: 'nobody' };

describe('AerospikeClient single-record methods', () => {
  it('put$ then get$ round-trips every value type', () => {
    const bins = {
      nil: null,
      yes: true,
      n: 42,
      neg: -7,
      big: 2n ** 60n,
      pi: 3.25,
      one: Double(1),
      s: 'héllo',
      blob: Buffer.from([1, 2, 3]),
      bytes: new Uint8Array([9, 8]),
      list: [1, 'two', [3.5, null], { k: 'v' }],
      obj: { a: 1, b: ['x'], c: { d: true } },
      map: new Map<unknown, unknown>([[1, 'one'], ['two', 2]]),
    };
    let got: unknown;
    runMarbles((r) => {
      const s = clientOn(r);
      s.call((c) => concat(c.put$(key, bins as never), c.get$(key))).pipe(toArray()).subscribe((v) => (got = v));
    });
    expect(got).toEqual([
      { generation: 1, ttlSeconds: -1 },
      {
        key: { namespace: 'test', set: 'users', key: 'ada', digest: jasmine.any(Buffer) },
        bins: {
          yes: true,
          n: 42,
          neg: -7,
          big: 2n ** 60n,
          pi: 3.25,
          one: 1,
          s: 'héllo',
          blob: Buffer.from([1, 2, 3]),
          bytes: Buffer.from([9, 8]),
          list: [1, 'two', [3.5, null], { k: 'v' }],
          obj: { a: 1, b: ['x'], c: { d: true } },
          map: new Map<unknown, unknown>([[1, 'one'], ['two', 2]]),
        },
        generation: 1,
        ttlSeconds: -1,
      },
    ]);
  });

  it('get$ of a missing record emits null; exists$ false; delete$ false', () => {
    runMarbles((r) => {
      const s = clientOn(r);
      r.expectObservable(s.call((c) => concat(c.get$(missing), c.exists$(missing), c.delete$(missing)))).toBe('(abc|)', { a: null, b: false, c: false });
    });
  });

  it('exists$ and delete$ emit true for a record that exists, and it is gone afterwards', () => {
    runMarbles((r) => {
      const s = clientOn(r);
      r.expectObservable(s.call((c) => concat(c.put$(key, { n: 1 }), c.exists$(key), c.delete$(key), c.get$(key)))).toBe('(wabc|)', { w: { generation: 1, ttlSeconds: -1 }, a: true, b: true, c: null });
    });
  });

  it('get$ with bins reads only those bins', () => {
    let bins: unknown;
    runMarbles((r) => {
      const s = clientOn(r);
      s.call((c) => concat(c.put$(key, { a: 1, b: 2, c: 3 }), c.get$(key, { bins: ['a', 'c'] }))).pipe(toArray()).subscribe((v) => (bins = (v[1] as { bins: unknown }).bins));
    });
    expect(bins).toEqual({ a: 1, c: 3 });
  });

  it('a null bin value in put$ deletes that bin', () => {
    let got: unknown[] = [];
    runMarbles((r) => {
      const s = clientOn(r);
      s.call((c) => concat(c.put$(key, { a: 1, b: 2 }), c.put$(key, { b: null }), c.get$(key))).pipe(toArray()).subscribe((v) => (got = v));
    });
    expect(got.slice(0, 2)).toEqual([
      { generation: 1, ttlSeconds: -1 },
      { generation: 2, ttlSeconds: -1 },
    ]);
    expect((got[2] as { bins: unknown }).bins).toEqual({ a: 1 });
  });

  it('names server result codes: key_exists for create_only, generation_error for a stale generation', () => {
    runMarbles((r) => {
      const s = clientOn(r);
      r.expectObservable(s.call((c) => concat(c.put$(key, { n: 1 }), c.put$(key, { n: 2 }, { exists: 'create_only' })))).toBe('(w#)', { w: { generation: 1, ttlSeconds: -1 } }, new AerospikeError('key_exists', 'put failed: key_exists (result code 5)'));
    });
    runMarbles((r) => {
      const s = clientOn(r);
      r.expectObservable(s.call((c) => concat(c.put$(key, { n: 1 }), c.put$(key, { n: 2 }, { generation: 7 })))).toBe('(w#)', { w: { generation: 1, ttlSeconds: -1 } }, new AerospikeError('generation_error', 'put failed: generation_error (result code 3)'));
    });
  });

  it('touch$ bumps the generation of a record and fails with key_not_found for a missing one', () => {
    runMarbles((r) => {
      const s = clientOn(r);
      r.expectObservable(s.call((c) => concat(c.put$(key, { n: 1 }), c.touch$(key), c.touch$(missing)))).toBe('(ab#)', { a: { generation: 1, ttlSeconds: -1 }, b: { generation: 2, ttlSeconds: -1 } }, new AerospikeError('key_not_found', 'touch failed: key_not_found (result code 2)'));
    });
  });

  it('operate$ runs several operations in one round trip and returns their results by bin', () => {
    let got: unknown;
    runMarbles((r) => {
      const s = clientOn(r);
      const ops = [op.add('n', 5), op.append('s', '!'), op.listAppend('l', 'c'), op.mapPut('m', 'k2', 2), op.get('n'), op.get('s'), op.mapGetByKey('m', 'k1')];
      s.call((c) => concat(c.put$(key, { n: 1, s: 'hi', l: ['a', 'b'], m: { k1: 1 } }), c.operate$(key, ops))).pipe(toArray()).subscribe((v) => (got = v[1]));
    });
    // listAppend answers the new list size; the map op's result is the value of k1
    expect(got).toEqual({ key: { namespace: 'test', set: 'users', key: 'ada', digest: jasmine.any(Buffer) }, bins: { n: 6, s: 'hi!', l: 3, m: 1 }, generation: 2, ttlSeconds: -1 });
  });

  it('a read-only operate$ of a missing record emits null', () => {
    runMarbles((r) => {
      const s = clientOn(r);
      r.expectObservable(s.call((c) => c.operate$(missing, [op.get('n')]))).toBe('(n|)', { n: null });
    });
  });

  it('sends writes to the master and reads to the prole when the master times out', () => {
    let commands: string[] = [];
    runMarbles((r) => {
      const s = clientOn(r, { nodes: ['A', 'B'], ownership: ['A', 'B'] });
      s.fake.transport.scriptCommand('A', asMsgRecord({ generation: 1 }));
      s.fake.transport.scriptCommand('A', NEVER);
      r.expectObservable(s.call((c) => concat(c.put$(key, { n: 1 }), c.get$(key, { socketTimeoutMs: 40 })))).toBe('w 39ms (g|)', { w: { generation: 1, ttlSeconds: -1 }, g: null });
      r.at(50, () => (commands = ['A', 'B'].flatMap((n) => s.fake.transport.calls(n).filter((c) => c.kind === 'command').map(() => n))));
    });
    // the scripted put never reached the store, so B answers the read with "missing"
    expect(commands).toEqual(['A', 'A', 'B']);
  });

  it('unsubscribing get$ mid-reply destroys the connection and makes no further attempt', () => {
    runMarbles((r) => {
      const s = clientOn(r, { nodes: ['A', 'B'], ownership: ['A', 'B'] });
      const reply = r.cold('50ms r', { r: asMsgRecord({}) });
      s.fake.transport.scriptCommand('A', reply);
      r.expectObservable(s.call((c) => c.get$(key)), '^ 20ms !').toBe('');
      r.expectSubscriptions(reply.subscriptions).toBe('^ 20ms !');
      r.at(30, () => expect(s.fake.transport.calls('B').filter((c) => c.kind === 'command').length).toBe(0));
    });
  });

  it('checks arguments at call time, naming them', () => {
    runMarbles((r) => {
      const s = clientOn(r);
      r.at(1, () => {
        const c = s.client();
        expect(() => c.get$({ namespace: '', set: 's', key: 1 })).toThrow(new TypeError('key.namespace must be a non-empty string, got ""'));
        expect(() => c.get$({ namespace: 'test', set: 's' })).toThrow(new TypeError('key needs a user key (key) or a digest'));
        expect(() => c.get$(key, { totalTimeoutMs: -1 })).toThrow(new RangeError('opts.totalTimeoutMs must be an integer number of milliseconds in [0, 2^32), got -1'));
        expect(() => c.get$(key, { replica: 'nearest' as never })).toThrow(new RangeError('opts.replica must be one of master, sequence, master_proles, prefer_rack, random, got "nearest"'));
        expect(() => c.get$(key, { bins: ['ok', ''] })).toThrow(new TypeError('opts.bins[1] must be a non-empty string, got ""'));
        expect(() => c.put$(key, { f: (() => 1) as never })).toThrowError(TypeError, /bins?\.?f|"f"/);
        expect(() => c.put$(key, { n: 2n ** 64n })).toThrowError(RangeError);
        expect(() => c.put$(key, { n: 1 }, { exists: 'sometimes' as never })).toThrow(new RangeError('opts.exists must be one of ignore, create_only, update_only, replace, replace_only, got "sometimes"'));
        expect(() => c.put$(key, { n: 1 }, { ttlSeconds: -3 })).toThrow(new RangeError('opts.ttlSeconds must be an integer in [-2, 2^32), got -3'));
        expect(() => c.operate$(key, [])).toThrow(new TypeError('ops must be a non-empty array of operations built with op.*'));
        expect(() => c.operate$(key, [{} as never])).toThrow(new TypeError("ops[0] must be an operation built with op.* (op.add('n', 1), op.listAppend('l', 'x'), …)"));
        expect(() => c.batchGet$('nope' as never)).toThrow(new TypeError('keys must be an array of keys, got "nope"'));
        expect(() => c.batchGet$([key, { namespace: 'test' } as never])).toThrow(new TypeError('keys[1].set must be a string (\'\' for none), got undefined'));
        expect(() => c.scan$('')).toThrow(new TypeError('namespace must be a non-empty string, got ""'));
        expect(() => c.scan$('test', 's', { partitions: { begin: 4000, count: 200 } })).toThrow(new RangeError('opts.partitions.count must be an integer in [1, 96], got 200'));
        expect(() => c.info$([])).toThrow(new TypeError('names must be a non-empty array of info command names, got an array'));
        expect(() => c.truncate$('test', 'a;b')).toThrow(new TypeError('namespace and set must not contain ; : = or control characters'));
      });
    });
  });

  it('refuses strings with a lone surrogate at call time, naming the argument, and sends nothing', () => {
    runMarbles((r) => {
      const s = clientOn(r);
      r.at(1, () => {
        const c = s.client();
        const lone = (where: string): RegExp => new RegExp(`^${where.replace(/[.[\]()\\]/g, '\\$&')}: a (string|string key) with a lone surrogate at index \\d+ cannot be sent as UTF-8$`);
        expect(() => c.get$({ namespace: 'test', set: 's', key: 'k\uD800' })).toThrowMatching((e) => e instanceof TypeError && lone('key.key').test(e.message));
        expect(() => c.get$({ namespace: 'test', set: 's\uDFFF', key: 1 })).toThrowMatching((e) => e instanceof TypeError && lone('key.set').test(e.message));
        expect(() => c.get$(key, { bins: ['ok', 'b\uDC00'] })).toThrowMatching((e) => e instanceof TypeError && lone('opts.bins[1]').test(e.message));
        expect(() => c.put$(key, { s: 'é\uD800' })).toThrowMatching((e) => e instanceof TypeError && lone('bins.s').test(e.message));
        expect(() => c.put$(key, { tags: ['a', { k: '\uDBFF' }] })).toThrowMatching((e) => e instanceof TypeError && lone('bins.tags[1].k').test(e.message));
        expect(() => c.put$(key, { '\uD800': 1 })).toThrowMatching((e) => e instanceof TypeError && lone('bin name "\\ud800"').test(e.message));
        expect(() => c.operate$(key, [op.append('s', '\uDFFF')])).toThrowError(TypeError, /lone surrogate/);
        expect(() => c.batchGet$([key, { namespace: 'test', set: 's', key: '\uDC00' }])).toThrowMatching((e) => e instanceof TypeError && lone('keys[1].key').test(e.message));
        expect(() => c.scan$('te\uD800st')).toThrowMatching((e) => e instanceof TypeError && lone('namespace').test(e.message));
        expect(() => c.scan$('test', '\uDFFF')).toThrowMatching((e) => e instanceof TypeError && lone('set').test(e.message));
        expect(() => c.info$(['build', 'sets/\uD800'])).toThrowMatching((e) => e instanceof TypeError && lone('names[1]').test(e.message));
        expect(() => c.truncate$('test', 's\uDC00')).toThrowMatching((e) => e instanceof TypeError && lone('set').test(e.message));
      });
      r.at(100, () => expect(['A', 'B', 'C'].flatMap((n) => s.fake.transport.calls(n).filter((call) => call.kind === 'command'))).toEqual([]));
    });
  });
});

describe('AerospikeClient secrets', () => {
  it('keeps passwords and session tokens out of util.inspect(client), stats() and errors', () => {
    const texts: string[] = [];
    let logins = 0;
    runMarbles((r) => {
      const s = clientOn(r, { sessionTtlSeconds: 3600 }, { user: 'app', password: 'pa55-w0rd-secret' });
      s.fake.transport.scriptCommand('A', new AerospikeError('network_error', 'reset'));
      r.at(10, () => {
        const c = s.client();
        c.get$(key).subscribe({ error: (e: unknown) => texts.push(inspect(e, { showHidden: true, depth: 10 })) });
        texts.push(inspect(c, { showHidden: true, getters: true, depth: 12 }), JSON.stringify(c.stats()));
        logins = ['A', 'B', 'C'].reduce((n, id) => n + s.fake.loginCount(id), 0);
      });
    });
    const all = texts.join('\n');
    // the nodes did issue tokens (token-A-1, …), and the client holds them
    expect(logins).toBe(3);
    expect(all).not.toContain('pa55-w0rd-secret');
    expect(all).not.toMatch(/token-[ABC]-\d/);
  });
});
