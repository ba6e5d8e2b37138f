// Partition map merges (cluster.md §4.3 J rules, §4.4 worked examples): regimes, displaced nodes,
// unset bits, replica-count changes, namespaces, immutability.
import { PartitionMap, type ReplicasSegment } from '../../lib/cluster/partition-map';
import { bitmapOf } from '../../lib/protocol/replicas';

type N = string;
const ALL = Array.from({ length: 4096 }, (_, p) => p);

function segment(namespace: string, regime: number, ...replicas: number[][]): ReplicasSegment {
  return { namespace, regime, replicaCount: replicas.length, bitmaps: replicas.map((ps) => bitmapOf(ps)) };
}

function slots(map: PartitionMap<N>, ns: string, p: number): (N | undefined)[] {
  const n = map.namespace(ns)!;
  return n.replicas.map((column) => column[p]);
}

describe('PartitionMap', () => {
  it('writes a node into every slot its bitmaps set', () => {
    const map = PartitionMap.empty<N>().merge('A', [segment('test', 0, [0, 1], [2])]).map;
    expect([0, 1, 2, 3].map((p) => slots(map, 'test', p))).toEqual([['A', undefined], ['A', undefined], [undefined, 'A'], [undefined, undefined]]);
  });

  it('ends with [B, A] after a migration whichever node is merged first, and reports the displaced node', () => {
    const start = PartitionMap.empty<N>().merge('A', [segment('test', 0, [7], [])]).map.merge('B', [segment('test', 0, [], [7])]).map;
    const bFirst = start.merge('B', [segment('test', 0, [7], [])]);
    expect(bFirst.displaced).toEqual(new Set(['A']));
    // B's master bit already cleared B from the prole slot, so A takes an empty slot
    const aThen = bFirst.map.merge('A', [segment('test', 0, [], [7])]);
    expect(aThen.displaced).toEqual(new Set());
    const aFirst = start.merge('A', [segment('test', 0, [], [7])]).map.merge('B', [segment('test', 0, [7], [])]).map;
    expect(slots(aThen.map, 'test', 7)).toEqual(['B', 'A']);
    expect(slots(aFirst, 'test', 7)).toEqual(['B', 'A']);
  });

  it('clears another slot of the same partition still naming a node that takes a new slot', () => {
    // A was prole, becomes master; the new prole is still filling and does not advertise its bit yet
    const map = PartitionMap.empty<N>().merge('B', [segment('test', 0, [4], [])]).map.merge('A', [segment('test', 0, [], [4])]).map;
    expect(slots(map.merge('A', [segment('test', 0, [4], [])]).map, 'test', 4)).toEqual(['A', undefined]);
  });

  it('never clears a slot for an unset bit', () => {
    const map = PartitionMap.empty<N>().merge('A', [segment('test', 0, [5], [])]).map.merge('A', [segment('test', 0, [], [])]).map;
    expect(slots(map, 'test', 5)).toEqual(['A', undefined]);
  });

  it('ignores bits of a lower regime than the stored one and counts them', () => {
    const map = PartitionMap.empty<N>().merge('A', [segment('sc', 5, [1], [])]).map;
    const result = map.merge('B', [segment('sc', 4, [1], [])]);
    expect(slots(result.map, 'sc', 1)).toEqual(['A', undefined]);
    expect(result.staleRegimes.get('sc')).toBe(1);
    expect(result.map).toBe(map);
  });

  it('raises the stored regime when a higher one writes the slot', () => {
    const map = PartitionMap.empty<N>().merge('A', [segment('sc', 1, [3], [])]).map.merge('B', [segment('sc', 2, [3], [])]).map;
    expect(map.namespace('sc')!.regimes[3]).toBe(2);
    expect(slots(map.merge('A', [segment('sc', 1, [3], [])]).map, 'sc', 3)).toEqual(['B', undefined]);
  });

  it('resizes a namespace when its replica count changes, keeping the shared columns', () => {
    const two = PartitionMap.empty<N>().merge('A', [segment('test', 0, [0], [1])]).map;
    const three = two.merge('C', [segment('test', 0, [], [], [0])]).map;
    expect(three.namespace('test')!.replicaCount).toBe(3);
    expect(slots(three, 'test', 0)).toEqual(['A', undefined, 'C']);
    expect(slots(three, 'test', 1)).toEqual([undefined, 'A', undefined]);
    const one = three.merge('A', [segment('test', 0, [0])]).map;
    expect(slots(one, 'test', 0)).toEqual(['A']);
  });

  it('keeps namespaces apart', () => {
    const map = PartitionMap.empty<N>().merge('A', [segment('bar', 0, [0], []), segment('test', 0, [], [0])]).map;
    expect(slots(map, 'bar', 0)).toEqual(['A', undefined]);
    expect(slots(map, 'test', 0)).toEqual([undefined, 'A']);
    expect(map.node('nope', 0, 0)).toBeUndefined();
  });

  it('is immutable: a merge returns a new map and leaves the old one as it was, or itself when nothing changed', () => {
    const before = PartitionMap.empty<N>().merge('A', [segment('test', 0, ALL, [])]).map;
    const after = before.merge('B', [segment('test', 0, [9], [])]);
    expect(slots(before, 'test', 9)).toEqual(['A', undefined]);
    expect(slots(after.map, 'test', 9)).toEqual(['B', undefined]);
    expect(after.changed).toEqual(['test']);
    expect(before.merge('A', [segment('test', 0, ALL, [])]).map).toBe(before);
  });

  it('tells whether a node owns any slot', () => {
    const map = PartitionMap.empty<N>().merge('A', [segment('test', 0, [1], [])]).map;
    expect(map.owns('A')).toBeTrue();
    expect(map.owns('B')).toBeFalse();
  });
});
