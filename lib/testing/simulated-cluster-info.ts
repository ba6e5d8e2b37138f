// The info values a simulated cluster answers for one member (peers, services, generations,
// replicas, cluster key, namespace statistics), shaped like a real 8.1.2 CE node's replies.
// Strings only: the node frames them, the cluster decides the state they describe.

import { PARTITION_COUNT } from '../protocol/digest';
import { OwnershipTable } from './simulated-ownership';

/** A peer or a node's own address as it advertises it. */
export interface AdvertisedNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** What one member believes about the cluster when it answers. */
export interface MemberInfoState {
  readonly self: AdvertisedNode;
  /** The other members of its view, by name. */
  readonly peers: readonly AdvertisedNode[];
  readonly peersGeneration: number;
  readonly partitionGeneration: number;
  readonly rebalanceGeneration: number;
  readonly clusterKey: string;
  readonly table: OwnershipTable;
  readonly namespaces: readonly string[];
  readonly replicationFactor: number;
  /** Live records of a namespace this member holds, by replica index (0 master, 1.. proles). */
  readonly objects: (namespace: string) => { readonly master: number; readonly prole: number };
}

/** A real node lists 3000 (the default service port) even when its peers listen elsewhere. */
const PEERS_DEFAULT_PORT = 3000;
const ENTERPRISE_ONLY = 'ERROR:25:enterprise only';

function address(node: AdvertisedNode): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

function peersValue(state: MemberInfoState): string {
  const peers = state.peers.map((peer) => `[${peer.name},,[${address(peer)}]]`).join(',');
  return `${state.peersGeneration},${PEERS_DEFAULT_PORT},[${peers}]`;
}

/** `replicas`: `ns:regime,count,<b64>…` per namespace, regime 0 (AP), count = effective RF. */
function replicasValue(state: MemberInfoState, form: 'replicas' | 'replicas-all' | 'replicas-master'): string {
  const { table, self } = state;
  return state.namespaces
    .map((ns) => {
      if (form === 'replicas-master') return `${ns}:${table.bitmap(self.name, 0)}`;
      const maps = Array.from({ length: table.replicaCount }, (_, i) => table.bitmap(self.name, i));
      const head = form === 'replicas' ? `0,${table.replicaCount}` : `${table.replicaCount}`;
      return `${ns}:${[head, ...maps].join(',')}`;
    })
    .join(';');
}

function namespaceValue(state: MemberInfoState, ns: string): string {
  const { master, prole } = state.objects(ns);
  return [
    `ns_cluster_size=${state.table.members.length}`,
    `effective_replication_factor=${state.table.replicaCount}`,
    `objects=${master + prole}`,
    `master_objects=${master}`,
    `prole_objects=${prole}`,
    'non_replica_objects=0',
    'dead_partitions=0',
    'unavailable_partitions=0',
    'default-ttl=0',
    `replication-factor=${state.replicationFactor}`,
    'storage-engine=memory',
    'strong-consistency=false',
  ].join(';');
}

/** The member's value for an info name, or undefined when the node's own table answers it. */
export function clusterInfoValue(name: string, state: MemberInfoState): string | undefined {
  switch (name) {
    case 'peers-clear-std':
      return peersValue(state);
    case 'peers-clear-alt':
      // no alternate addresses configured
      return `${state.peersGeneration},${PEERS_DEFAULT_PORT},[]`;
    case 'peers-tls-std':
    case 'peers-tls-alt':
    case 'service-tls-std':
    case 'service-tls-alt':
    case 'racks:':
    case 'rack-ids':
      return ENTERPRISE_ONLY;
    case 'service':
    case 'service-clear-std':
      return address(state.self);
    case 'service-clear-alt':
      return '';
    case 'peers-generation':
      return String(state.peersGeneration);
    case 'partition-generation':
      return String(state.partitionGeneration);
    case 'rebalance-generation':
      return String(state.rebalanceGeneration);
    case 'cluster-stable':
      return state.clusterKey;
    case 'partitions':
      return String(PARTITION_COUNT);
    case 'replicas':
    case 'replicas-all':
    case 'replicas-master':
      return replicasValue(state, name);
    default:
      break;
  }
  // parameters (size=, namespace=, ignore-migrations=) do not change a settled cluster's answer
  if (name.startsWith('cluster-stable:')) return state.clusterKey;
  if (name.startsWith('namespace/')) {
    const ns = name.slice('namespace/'.length);
    return state.namespaces.includes(ns) ? namespaceValue(state, ns) : undefined;
  }
  return undefined;
}

/** A standalone node: a one-node cluster of RF 1 holding every partition, generations settled at 0. */
export function soloMemberState(self: AdvertisedNode, namespaces: readonly string[], objects: (namespace: string) => number): MemberInfoState {
  return {
    self,
    peers: [],
    peersGeneration: 0,
    partitionGeneration: 0,
    rebalanceGeneration: 1,
    clusterKey: soloClusterKey(self.name),
    table: soloTable(self.name),
    namespaces,
    replicationFactor: 1,
    objects: (ns) => ({ master: objects(ns), prole: 0 }),
  };
}

const soloTables = new Map<string, OwnershipTable>();

function soloTable(name: string): OwnershipTable {
  let table = soloTables.get(name);
  if (table === undefined) {
    table = new OwnershipTable([name], 1);
    soloTables.set(name, table);
  }
  return table;
}

/** A stable 12-hex-digit key per node name. */
function soloClusterKey(name: string): string {
  let hash = 0x2545f491;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `1${hash.toString(16).toUpperCase().padStart(8, '0')}AE5`;
}
