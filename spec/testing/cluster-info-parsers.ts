// Small parsers of the tend info values for SimulatedCluster specs (peers-clear-std, replicas),
// written against the shapes of a real 8.1.2 cluster's replies. Spec support only.

import { PARTITION_COUNT } from '../../lib/protocol/digest';

export interface PeersReply {
  readonly generation: number;
  readonly defaultPort: number;
  readonly peers: ReadonlyArray<{ readonly name: string; readonly tlsName: string; readonly addresses: readonly string[] }>;
}

/** `<gen>,<port>,[[name,tls,[addr,…]],…]` (IPv4 addresses only, as the simulated cluster advertises). */
export function parsePeers(value: string): PeersReply {
  const head = /^(\d+),(\d+),\[(.*)\]$/.exec(value);
  if (head === null) throw new Error(`not a peers reply: ${value}`);
  const peers = [...head[3]!.matchAll(/\[([^,\[\]]+),([^,\[\]]*),\[([^\]]*)\]\]/g)].map((m) => ({
    name: m[1]!,
    tlsName: m[2]!,
    addresses: m[3]!.length === 0 ? [] : m[3]!.split(','),
  }));
  return { generation: Number(head[1]), defaultPort: Number(head[2]), peers };
}

export interface NamespaceReplicas {
  readonly regime: number;
  /** Partition ids set in each replica index's bitmap (0 = master). */
  readonly partitions: ReadonlyArray<ReadonlySet<number>>;
}

/** `ns:regime,count,<b64>,…` per namespace, `;`-separated. */
export function parseReplicas(value: string): Map<string, NamespaceReplicas> {
  const out = new Map<string, NamespaceReplicas>();
  for (const entry of value.split(';')) {
    const [ns, rest] = entry.split(':') as [string, string];
    const [regime, count, ...maps] = rest.split(',');
    if (maps.length !== Number(count)) throw new Error(`replicas of ${ns}: count ${count} but ${maps.length} bitmaps`);
    out.set(ns, {
      regime: Number(regime),
      partitions: maps.map((b64) => {
        const bits = Buffer.from(b64, 'base64');
        if (bits.length !== PARTITION_COUNT / 8) throw new Error(`replicas bitmap of ${bits.length} bytes`);
        const set = new Set<number>();
        for (let p = 0; p < PARTITION_COUNT; p++) if ((bits[p >> 3]! & (0x80 >> (p & 7))) !== 0) set.add(p);
        return set;
      }),
    });
  }
  return out;
}
