import { AerospikeError } from '../../lib/errors';
import { bitmapOf, encodeReplicas, parseReplicas, partitionInBitmap, PARTITION_BITMAP_BYTES, type NamespaceReplicas } from '../../lib/protocol/replicas';
import { expectParseError } from '../helpers/expect-parse-error';
import { capturedValue, capturedValues } from './cluster-info-captures';

const ALL = Array.from({ length: 4096 }, (_, p) => p);
const ZERO_B64 = `${'A'.repeat(683)}=`;
const FULL_B64 = `${'/'.repeat(682)}8=`;

/** Per namespace, per partition: the node holding each replica index (undefined when none, '!' when several). */
function ownersOf(captures: readonly string[]): Map<string, (string | undefined)[][]> {
  const owners = new Map<string, (string | undefined)[][]>();
  for (const name of captures) {
    for (const ns of parseReplicas(capturedValue(name, 'replicas'))) {
      const table = owners.get(ns.namespace) ?? ALL.map(() => []);
      owners.set(ns.namespace, table);
      ns.bitmaps.forEach((bitmap, index) => {
        for (const p of ALL) if (partitionInBitmap(bitmap, p)) table[p]![index] = table[p]![index] === undefined ? name : '!';
      });
    }
  }
  return owners;
}

describe('parseReplicas', () => {
  it('parses every captured replicas value into 512-byte bitmaps, one per replica', () => {
    const values = capturedValues('replicas');
    expect(values.length).toBeGreaterThan(25);
    for (const { name, value } of values) {
      for (const ns of parseReplicas(value)) {
        expect(ns.regime).withContext(name).toBe(0);
        expect(ns.bitmaps.length).withContext(name).toBe(ns.replicaCount);
        for (const bitmap of ns.bitmaps) expect(bitmap.length).withContext(name).toBe(PARTITION_BITMAP_BYTES);
      }
    }
  });

  it('decodes the bitmaps of a stable RF 2 cluster: each partition has one master and one prole on another node', () => {
    const owners = ownersOf(['one-namespace/stable-3100', 'one-namespace/stable-3110', 'one-namespace/stable-3120']);
    expect([...owners.keys()]).toEqual(['test']);
    for (const p of ALL) {
      const [master, prole] = owners.get('test')![p]!;
      expect(master !== undefined && master !== '!' && prole !== undefined && prole !== '!' && master !== prole).withContext(`partition ${p}: ${master} ${prole}`).toBeTrue();
    }
  });

  it('decodes two namespaces of a stable 3-node cluster: RF 2 and RF 3, every replica index on a distinct node', () => {
    const owners = ownersOf(['two-namespaces/stable3-3500', 'two-namespaces/stable3-3510', 'two-namespaces/stable3-3520']);
    for (const [namespace, rf] of [['test', 2], ['bar', 3]] as const) {
      for (const p of ALL) {
        const nodes = owners.get(namespace)![p]!;
        expect(nodes.length === rf && nodes.every((n) => n !== undefined && n !== '!') && new Set(nodes).size === rf).withContext(`${namespace} ${p}: ${nodes.join(' ')}`).toBeTrue();
      }
    }
  });

  it('parses a namespace whose RF 3 is cut to 2 on a 2-node cluster', () => {
    expect(parseReplicas(capturedValue('two-namespaces/stable2-3500', 'replicas')).map((n) => [n.namespace, n.replicaCount])).toEqual([
      ['test', 2],
      ['bar', 2],
    ]);
  });

  it('parses a starting node: replica count 1 and an all-zero map per namespace', () => {
    const namespaces = parseReplicas(capturedValue('two-namespaces/starting-3500', 'replicas'));
    expect(namespaces.map((n) => [n.namespace, n.regime, n.replicaCount])).toEqual([
      ['test', 0, 1],
      ['bar', 0, 1],
    ]);
    for (const ns of namespaces) expect(ns.bitmaps[0]!.every((b) => b === 0)).toBeTrue();
  });

  it('parses a node alone: it owns every partition', () => {
    for (const ns of parseReplicas(capturedValue('two-namespaces/single-3500', 'replicas'))) {
      expect(ns.replicaCount).toBe(1);
      expect(ns.bitmaps[0]!.every((b) => b === 0xff)).toBeTrue();
    }
  });

  it('returns the bitmaps of a namespace as views of one fresh buffer, not of Node\'s shared pool', () => {
    const [test, bar] = parseReplicas(capturedValue('two-namespaces/stable3-3500', 'replicas'));
    for (const ns of [test!, bar!]) {
      ns.bitmaps.forEach((bitmap, i) => {
        expect(bitmap.constructor).toBe(Uint8Array);
        expect(bitmap.byteOffset).toBe(i * PARTITION_BITMAP_BYTES);
        expect(bitmap.buffer.byteLength).toBe(ns.replicaCount * PARTITION_BITMAP_BYTES);
      });
    }
    expect(test!.bitmaps[0]!.buffer).not.toBe(bar!.bitmaps[0]!.buffer);
  });

  it('parses an empty value as no namespace', () => {
    expect(parseReplicas('')).toEqual([]);
  });

  it('parses regimes up to 2^32 - 1', () => {
    expect(parseReplicas(`sc:4294967295,1,${FULL_B64}`)[0]!.regime).toBe(4294967295);
  });

  it('tolerates one trailing ";" but no empty namespace entry', () => {
    expect(parseReplicas(`test:0,1,${ZERO_B64};`).map((n) => n.namespace)).toEqual(['test']);
    expectParseError(() => parseReplicas(`test:0,1,${ZERO_B64};;`), 'replicas: namespace entry 1 "" has no ":"');
    expectParseError(() => parseReplicas(`;test:0,1,${ZERO_B64}`), 'replicas: namespace entry 0 "" has no ":"');
    expectParseError(() => parseReplicas(';'), 'replicas: namespace entry 0 "" has no ":"');
  });

  it('refuses every truncation of a real value except at a namespace boundary', () => {
    const value = capturedValue('two-namespaces/stable3-3500', 'replicas');
    const boundary = value.indexOf(';') + 1;
    for (let length = 1; length < value.length; length++) {
      if (length === boundary || length === boundary - 1) expect(parseReplicas(value.slice(0, length)).length).toBe(1);
      else expectParseError(() => parseReplicas(value.slice(0, length)), 'replicas: ');
    }
  });

  it('refuses a regime that is not a u32', () => {
    for (const regime of ['', '-1', '00', '4294967296', '1.5', ' 1', 'x']) {
      expectParseError(() => parseReplicas(`test:${regime},1,${ZERO_B64}`), `replicas: regime of namespace "test" is ${JSON.stringify(regime)}, expected a u32`);
    }
  });

  it('refuses a replica count below 1 or not an integer', () => {
    expectParseError(() => parseReplicas(`test:0,0`), 'replicas: replica count of namespace "test" is "0", expected an integer >= 1');
    expectParseError(() => parseReplicas(`test:0,x,${ZERO_B64}`), 'replica count of namespace "test" is "x"');
    expectParseError(() => parseReplicas('test:0'), 'replica count of namespace "test" is missing');
  });

  it('refuses a bitmap count other than the replica count', () => {
    expectParseError(() => parseReplicas(`test:0,2,${ZERO_B64}`), 'replicas: namespace "test" has 1 bitmaps, expected 2 (its replica count)');
    expectParseError(() => parseReplicas(`test:0,1,${ZERO_B64},${ZERO_B64}`), 'namespace "test" has 2 bitmaps, expected 1');
    expectParseError(() => parseReplicas(`test:0,1,${ZERO_B64},`), 'namespace "test" has 2 bitmaps, expected 1');
  });

  it('refuses a bitmap decoding to another size than 512 bytes', () => {
    expectParseError(() => parseReplicas(`bar:0,1,${FULL_B64};test:0,2,${ZERO_B64},${'A'.repeat(400)}`), 'replicas: bitmap 1 of namespace "test" decodes to 300 bytes, expected 512');
    expectParseError(() => parseReplicas(`test:0,1,${'A'.repeat(688)}`), 'decodes to 516 bytes, expected 512');
    expectParseError(() => parseReplicas('test:0,1,'), 'bitmap 0 of namespace "test" decodes to 0 bytes, expected 512');
  });

  it('checks the bitmap lengths before allocating for the replica count', () => {
    const sizes: number[] = [];
    const realFrom = Buffer.from.bind(Buffer) as (...args: unknown[]) => Buffer;
    spyOn(Buffer, 'from').and.callFake(((...args: unknown[]) => {
      if (args[0] instanceof ArrayBuffer) sizes.push(args[0].byteLength);
      return realFrom(...args);
    }) as typeof Buffer.from);
    const count = 200_000;
    expectParseError(() => parseReplicas(`test:0,${count},${','.repeat(count - 1)}`), 'bitmap 0 of namespace "test" decodes to 0 bytes, expected 512');
    expectParseError(() => parseReplicas(`test:0,3,${ZERO_B64},${ZERO_B64},x`), 'bitmap 2 of namespace "test" is 1 chars');
    expect(sizes).toEqual([]);
  });

  it('refuses characters outside standard base64, naming the first', () => {
    for (const bad of ['-', '_', ' ', '\n', '.', 'é']) {
      const text = `${'A'.repeat(100)}${bad}${'A'.repeat(582)}A=`;
      expectParseError(() => parseReplicas(`test:0,1,${text}`), `bitmap 0 of namespace "test" has ${JSON.stringify(bad)} at offset 100, which is not base64`);
    }
  });

  it('refuses wrong padding', () => {
    expectParseError(() => parseReplicas(`test:0,1,${'A'.repeat(683)}`), 'is 683 chars with "=" at no offset, which is not padded base64');
    expectParseError(() => parseReplicas(`test:0,1,${'A'.repeat(682)}==`), 'decodes to 511 bytes');
    expectParseError(() => parseReplicas(`test:0,1,${'A'.repeat(340)}=${'A'.repeat(343)}`), 'with "=" at offset 340, which is not padded base64');
    expectParseError(() => parseReplicas(`test:0,1,${'A'.repeat(681)}===`), 'which is not padded base64');
  });

  it('refuses non-zero bits after the last byte, which Node would drop silently', () => {
    expectParseError(() => parseReplicas(`test:0,1,${'A'.repeat(682)}B=`), 'bitmap 0 of namespace "test" has non-zero bits after its last byte');
  });

  it('refuses namespace names outside 1..31 bytes', () => {
    const ns31 = 'n'.repeat(31);
    expect(parseReplicas(`${ns31}:0,1,${ZERO_B64}`)[0]!.namespace).toBe(ns31);
    expectParseError(() => parseReplicas(`${'n'.repeat(32)}:0,1,${ZERO_B64}`), 'replicas: namespace entry 0 has name', '(32 bytes), expected 1..31 bytes');
    expectParseError(() => parseReplicas(`${'é'.repeat(16)}:0,1,${ZERO_B64}`), '(32 bytes)');
    expectParseError(() => parseReplicas(`:0,1,${ZERO_B64}`), 'namespace entry 0 has name "" (0 bytes)');
    expectParseError(() => parseReplicas(`te,st:0,1,${ZERO_B64}`), 'namespace entry 0 has name "te,st"');
  });

  it('refuses a namespace listed twice', () => {
    expectParseError(() => parseReplicas(`test:0,1,${ZERO_B64};test:0,1,${FULL_B64}`), 'replicas: namespace "test" appears twice');
  });

  it('refuses the older replicas-all and replicas-master forms (real captures), pointing at replicas-all', () => {
    expectParseError(() => parseReplicas(capturedValue('two-namespaces/stable3-3500', 'replicas-all')), 'replica count of namespace "test"', 'the older replicas-all form <count>,<bitmaps> is not accepted');
    expectParseError(() => parseReplicas(capturedValue('two-namespaces/stable3-3500', 'replicas-master')), 'replicas: regime of namespace "test" is', 'expected a u32');
  });

  it('refuses a server ERROR answer, naming replicas', () => {
    expectParseError(() => parseReplicas('ERROR:4:unrecognized command'), 'replicas: server answered "ERROR:4:unrecognized command"');
    expectParseError(() => parseReplicas('ERROR::unstable-cluster'), 'replicas: server answered "ERROR::unstable-cluster"');
    expectParseError(() => parseReplicas('ERROR'), 'replicas: server answered "ERROR"');
  });

  it('parses a namespace named "error", which is not a server error', () => {
    expect(parseReplicas(`error:0,1,${ZERO_B64}`)[0]!.namespace).toBe('error');
  });

  it('cuts long values in messages', () => {
    const error = expectParseError(() => parseReplicas(`x:${'A'.repeat(5000)}`), '(5000 chars)');
    expect(error.message.length).toBeLessThan(200);
    expect(error).toBeInstanceOf(AerospikeError);
  });
});

describe('encodeReplicas', () => {
  it('reproduces every captured replicas value byte for byte', () => {
    for (const { name, value } of capturedValues('replicas')) expect(encodeReplicas(parseReplicas(value))).withContext(name).toBe(value);
  });

  it('writes the documented all and none bitmaps (cluster.md §4.1)', () => {
    const value = encodeReplicas([
      { namespace: 'bar', regime: 0, replicaCount: 2, bitmaps: [bitmapOf(ALL), bitmapOf([])] },
      { namespace: 'test', regime: 7, replicaCount: 1, bitmaps: [bitmapOf(ALL)] },
    ]);
    expect(value).toBe(`bar:0,2,${FULL_B64},${ZERO_B64};test:7,1,${FULL_B64}`);
  });

  it('encodes no namespace as an empty value', () => {
    expect(encodeReplicas([])).toBe('');
  });

  it('encodes a bitmap that is a view into a larger buffer', () => {
    const backing = new Uint8Array(600);
    backing.set(bitmapOf([0]), 10);
    const value = encodeReplicas([{ namespace: 'test', regime: 0, replicaCount: 1, bitmaps: [backing.subarray(10, 522)] }]);
    expect(parseReplicas(value)[0]!.bitmaps[0]).toEqual(bitmapOf([0]));
  });

  it('throws for input the parser would refuse, naming the argument', () => {
    const ok: NamespaceReplicas = { namespace: 'test', regime: 0, replicaCount: 1, bitmaps: [bitmapOf([])] };
    expect(() => encodeReplicas([{ ...ok, namespace: 'a:b' }])).toThrowError(TypeError, /namespaces\[0\]\.namespace/);
    expect(() => encodeReplicas([{ ...ok, namespace: 'n'.repeat(32) }])).toThrowError(TypeError, /namespaces\[0\]\.namespace/);
    expect(() => encodeReplicas([{ ...ok, regime: -1 }])).toThrowError(RangeError, /regime/);
    expect(() => encodeReplicas([{ ...ok, replicaCount: 0, bitmaps: [] }])).toThrowError(RangeError, /replicaCount/);
    expect(() => encodeReplicas([{ ...ok, replicaCount: 2 }])).toThrowError(RangeError, /bitmaps must hold replicaCount \(2\)/);
    expect(() => encodeReplicas([ok, { ...ok, bitmaps: [new Uint8Array(300)] }])).toThrowError(TypeError, /namespaces\[1\]\.bitmaps\[0\]/);
  });
});

describe('partition bitmaps', () => {
  it('puts partition 0 in the top bit of byte 0 and 4095 in the low bit of byte 511', () => {
    const bitmap = bitmapOf([0, 7, 8, 4095]);
    expect([bitmap[0], bitmap[1], bitmap[511]]).toEqual([0x81, 0x80, 0x01]);
    expect(ALL.filter((p) => partitionInBitmap(bitmap, p))).toEqual([0, 7, 8, 4095]);
  });

  it('builds a fresh 512-byte bitmap from any iterable, duplicates allowed', () => {
    const bitmap = bitmapOf(new Set([5, 5, 4000]));
    expect(bitmap.length).toBe(512);
    expect(ALL.filter((p) => partitionInBitmap(bitmap, p))).toEqual([5, 4000]);
    expect(bitmapOf([]).every((b) => b === 0)).toBeTrue();
  });

  it('throws a RangeError for partitions outside 0..4095 or not integers', () => {
    for (const bad of [-1, 4096, 1.5, NaN]) {
      expect(() => bitmapOf([bad])).toThrowError(RangeError, /partitions must hold integers 0\.\.4095/);
      expect(() => partitionInBitmap(bitmapOf([]), bad)).toThrowError(RangeError, /partition must/);
    }
  });

  it('throws a TypeError for a bitmap that is not 512 bytes or partitions that are not iterable', () => {
    expect(() => partitionInBitmap(new Uint8Array(511), 0)).toThrowError(TypeError, /bitmap must be a Uint8Array of 512 bytes/);
    expect(() => bitmapOf(5 as unknown as number[])).toThrowError(TypeError, /partitions must be an iterable/);
    expect(() => bitmapOf(null as unknown as number[])).toThrowError(TypeError, /partitions must be an iterable/);
  });
});
