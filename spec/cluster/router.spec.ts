// Replica policies (cluster.md §6.2, J): which node serves attempt n of a read or a write.
import { ClusterNode } from '../../lib/cluster/cluster-node';
import type { NodePool } from '../../lib/cluster/node-pool';
import { PartitionMap } from '../../lib/cluster/partition-map';
import { Router } from '../../lib/cluster/router';
import { bitmapOf } from '../../lib/protocol/replicas';

function node(name: string, rack?: number): ClusterNode {
  const n = new ClusterNode(name, '10.0.0.1', 3000, new Set(), {} as NodePool, undefined);
  if (rack !== undefined) n.racks = new Map([['test', rack]]);
  return n;
}

/** Partition 0: [A, B, C]. */
function mapOf(a: ClusterNode, b: ClusterNode, c: ClusterNode): PartitionMap<ClusterNode> {
  const seg = (i: number) => [{ namespace: 'test', regime: 0, replicaCount: 3, bitmaps: [0, 1, 2].map((j) => bitmapOf(j === i ? [0] : [])) }];
  return PartitionMap.empty<ClusterNode>().merge(a, seg(0)).map.merge(b, seg(1)).map.merge(c, seg(2)).map;
}

describe('Router', () => {
  let now = 0;
  const [A, B, C] = [node('A', 1), node('B', 2), node('C', 1)];
  const map = mapOf(A, B, C);
  beforeEach(() => {
    now = 10_000;
    for (const n of [A, B, C]) {
      n.active = true;
      n.connectFailuresInRow = 0;
    }
  });
  const router = (racks: number[] = []) => new Router(racks, () => now);
  const reads = (r: Router, policy: 'master' | 'sequence' | 'master_proles' | 'random' | 'prefer_rack', attempts = 4) =>
    Array.from({ length: attempts }, (_, i) => r.read(map, 'test', 0, policy, i)?.name);

  it("'sequence' reads walk the replicas attempt by attempt", () => {
    expect(reads(router(), 'sequence')).toEqual(['A', 'B', 'C', 'A']);
  });

  it("'sequence' skips inactive nodes", () => {
    A.active = false;
    expect(reads(router(), 'sequence')).toEqual(['B', 'B', 'C', 'B']);
  });

  it("'sequence' reads avoid a node whose connects were refused within the last second, unless no other is usable", () => {
    A.connectFailuresInRow = 1;
    A.lastConnectFailureMs = now - 500;
    expect(reads(router(), 'sequence', 1)).toEqual(['B']);
    A.lastConnectFailureMs = now - 1500;
    expect(reads(router(), 'sequence', 1)).toEqual(['A']);
    A.lastConnectFailureMs = now;
    B.active = false;
    C.active = false;
    expect(reads(router(), 'sequence', 1)).toEqual(['A']);
  });

  it("the 'sequence' walk lands past the replicas it skipped, so the next attempt moves on from the node it used", () => {
    const r = router();
    A.active = false;
    const walk = (write: boolean, sequence: number) => [(write ? r.write(map, 'test', 0, 'sequence', sequence) : r.read(map, 'test', 0, 'sequence', sequence))?.name, r.landed];
    expect(walk(false, 0)).toEqual(['B', 1]);
    expect(walk(false, 2)).toEqual(['C', 2]);
    expect(walk(true, 0)).toEqual(['B', 1]);
    expect(walk(false, 3)).toEqual(['B', 4]);
    A.active = true;
    A.connectFailuresInRow = 1;
    A.lastConnectFailureMs = now - 500;
    expect(walk(false, 0)).toEqual(['B', 1]);
    // only the refused node is usable: the walk falls back to it and lands on its slot
    B.active = false;
    C.active = false;
    expect(walk(false, 1)).toEqual(['A', 3]);
    expect(r.read(map, 'test', 0, 'master', 5)?.name).toBe('A');
    expect(r.landed).toBe(5);
  });

  it("'master' reads always go to the master, and to nothing when it is inactive", () => {
    expect(reads(router(), 'master')).toEqual(['A', 'A', 'A', 'A']);
    A.active = false;
    expect(reads(router(), 'master', 1)).toEqual([undefined]);
  });

  it("'master_proles' reads go round the replicas call after call", () => {
    const r = router();
    expect([0, 0, 0, 0].map(() => r.read(map, 'test', 0, 'master_proles', 0)?.name)).toEqual(['A', 'B', 'C', 'A']);
  });

  it("'random' reads spread over every active replica", () => {
    const r = router();
    const seen = new Set(Array.from({ length: 6 }, () => r.read(map, 'test', 0, 'random', 0)?.name));
    expect([...seen].sort()).toEqual(['A', 'B', 'C']);
  });

  it("'prefer_rack' reads pick a replica on the first preferred rack, then any other, and not the node that just failed", () => {
    expect(router([2]).read(map, 'test', 0, 'prefer_rack', 0)?.name).toBe('B');
    expect(router([1]).read(map, 'test', 0, 'prefer_rack', 0)?.name).toBe('A');
    expect(router([1]).read(map, 'test', 0, 'prefer_rack', 1, A)?.name).toBe('C');
    expect(router([9]).read(map, 'test', 0, 'prefer_rack', 0)?.name).toBe('A');
  });

  it('writes go to the master under master, master_proles and random; sequence walks on when the write moves', () => {
    const r = router();
    for (const policy of ['master', 'master_proles', 'random'] as const) expect(r.write(map, 'test', 0, policy, 1)?.name).toBe('A');
    expect(r.write(map, 'test', 0, 'sequence', 1)?.name).toBe('B');
  });

  it('an unknown namespace routes nowhere', () => {
    expect(router().read(map, 'nope', 0, 'sequence', 0)).toBeUndefined();
    expect(router().write(map, 'nope', 0, 'sequence', 0)).toBeUndefined();
  });
});
