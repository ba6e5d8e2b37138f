// FakeCluster's tend info: the values a node answers (node, generations, features, peers, replicas, …)
// computed from the cluster's state as each node sees it. Pure: state in, info value out.

import { encodePeers } from '../protocol/peers';
import { bitmapOf, encodeReplicas } from '../protocol/replicas';
import type { AerospikeError } from '../errors';

/** A fault on one info name: an error, no answer ('timeout'), the name left out ('missing'), or a value. */
export type InfoFault = AerospikeError | 'timeout' | 'missing' | { readonly value: string };

export interface InfoFaultEntry {
  readonly fault: InfoFault;
  remaining: number;
  /** Only requests that also ask this name take the fault (e.g. partition-generation asked with replicas). */
  readonly alongWith: string | undefined;
}

export interface NodeState {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** The `node` value it answers (changes with rename). */
  name: string;
  alive: boolean;
  peersGeneration: number;
  partitionGeneration: number;
  /** Names this node lists as peers; undefined = every member but itself. */
  peersView: readonly string[] | undefined;
  /** Where peers lists say this node is; undefined = its host and port. */
  advertised: readonly { readonly host: string; readonly port: number }[] | undefined;
  /** Pending scan-stream interruptions, oldest first. */
  readonly streamCuts: { afterFrames: number; remaining: number; frameGapMs: number }[];
  /** info name ('*' = any) → faults to apply, oldest first. */
  readonly infoFaults: Map<string, InfoFaultEntry[]>;
  logins: number;
}


/** What the info values are computed from. */
export interface FakeClusterView {
  readonly namespaces: readonly string[];
  readonly members: readonly string[];
  readonly replicationFactor: number;
  readonly clusterName: string | undefined;
  owners(namespace: string): readonly (readonly string[])[];
  regimes(namespace: string): Uint32Array;
  node(id: string): NodeState;
}

export function infoValue(view: FakeClusterView, node: NodeState, name: string): string {
  switch (name) {
    case 'node':
      return node.name;
    case 'build':
      return '8.1.2.0';
    case 'features':
      return 'batch-any;batch-index;blob-bits;cdt-list;cdt-map;cluster-stable;float;geo;peers;pipelining;pquery;pscans;query-show;replicas;truncate-namespace';
    case 'cluster-name':
      return view.clusterName ?? 'null';
    case 'partition-generation':
      return String(node.partitionGeneration);
    case 'peers-generation':
      return String(node.peersGeneration);
    case 'rebalance-generation':
      return '1';
    case 'rack-ids':
      return 'ERROR:25:enterprise only';
    case 'service-clear-std':
      return `${node.host}:${node.port}`;
    case 'peers-clear-std':
    case 'peers-tls-std':
    case 'peers-clear-alt':
    case 'peers-tls-alt':
      return peersValue(view, node);
    case 'replicas':
      return replicasValue(view, node);
    default:
      return 'ERROR:4:unrecognized command';
  }
}

function peersValue(view: FakeClusterView, node: NodeState): string {
  const ids = node.peersView ?? view.members.filter((m) => m !== node.id);
  const peers = ids.map((id) => {
    const peer = view.node(id);
    return { nodeName: peer.name, tlsName: undefined, addresses: peer.advertised ?? [{ host: peer.host, port: peer.port }] };
  });
  return encodePeers({ generation: node.peersGeneration, defaultPort: 3000, peers });
}

function replicasValue(view: FakeClusterView, node: NodeState): string {
  if (!view.members.includes(node.id)) {
    // a node that has not rebalanced yet: replica count 1 and an empty map (cluster.md §4.1)
    return encodeReplicas(view.namespaces.map((namespace) => ({ namespace, regime: 0, replicaCount: 1, bitmaps: [bitmapOf([])] })));
  }
  return encodeReplicas(
    view.namespaces.map((namespace) => {
      const count = view.replicationFactor;
      const held: number[][] = Array.from({ length: count }, () => []);
      view.owners(namespace).forEach((list, p) => list.forEach((id, i) => id === node.id && i < count && held[i]!.push(p)));
      // one regime per namespace reply: the highest this node's partitions carry
      const regimes = view.regimes(namespace);
      let regime = 0;
      for (const list of held) for (const p of list) regime = Math.max(regime, regimes[p]!);
      return { namespace, regime, replicaCount: count, bitmaps: held.map((ps) => bitmapOf(ps)) };
    }),
  );
}
