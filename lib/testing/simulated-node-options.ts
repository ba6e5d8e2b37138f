// The SimulatedNode's public shapes: options, faults, stats and the hooks a SimulatedCluster plugs
// in. Types only; the node itself lives in simulated-node.ts.

import type { AsMsgKind, SyntheticScan } from './simulated-as-msg';
import type { AdminKind } from './simulated-auth';
import type { PartitionAccess } from './simulated-scan-plan';
import type { SimulatedStore } from './simulated-store';

export interface SimulatedFaults {
  /** Wait this long before writing each reply. */
  readonly delayMs?: number;
  /** Per connection: write this many reply bytes in total, then close the socket. */
  readonly closeAfterBytes?: number;
  /** Per connection: write this many reply bytes in total, then write nothing more (socket stays open). */
  readonly stallAfterBytes?: number;
}

export interface SimulatedNodeOptions {
  /** Default '127.0.0.1'. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  /** The `node` info value. Default 'BB9000000000001'. */
  readonly nodeName?: string;
  /** The `build` info value. Default '8.1.2.0'. */
  readonly build?: string;
  /** Default ['test']. */
  readonly namespaces?: readonly string[];
  /** user → password. Present: security is enabled and data/info need a login. Absent: LOGIN answers 52. */
  readonly users?: Readonly<Record<string, string>>;
  /** Session token TTL in seconds; 0 = no TTL field, no expiry. Default 86400. */
  readonly sessionTtlSeconds?: number;
  /** TTL applied when a write sends 0 (namespace default); 0 = never expire. Default 0. */
  readonly defaultTtlSeconds?: number;
  /** Honour info1 COMPRESS_RESPONSE and list `compression` in features. Default true. */
  readonly compression?: boolean;
  /** Largest body of a scan/batch data frame before a new one starts. Default 128 KiB. */
  readonly scanFrameBytes?: number;
  /** Append the LAST record to the final data frame (as a short query does) instead of a separate frame. */
  readonly scanLastInFinalFrame?: boolean;
  /**
   * A scan of `set` answers `frames` generated frames of `frameBytes` body each (one record with a
   * `data` blob), then LAST: for benchmarks that stream gigabytes without storing them. Like every
   * reply it is written as the socket drains, so a reader that stops reading stalls the node.
   */
  readonly syntheticScan?: SyntheticScan;
  /** Wall clock in ms since 1970, for void times and session expiry. Default Date.now. */
  readonly clock?: () => number;
  /** Largest request body accepted; larger declared lengths close the socket. Default 128 MiB. */
  readonly maxFrameBytes?: number;
  /**
   * The namespace's max-record-size: a write whose record would be larger answers record_too_big (13)
   * and stores nothing. Counted: a 40-byte header, the set name, the stored key, and per bin its name,
   * 6 bytes and the value's particle bytes (close to the server's stored record). Default 1 MiB, the
   * server's default.
   */
  readonly maxRecordSize?: number;
  readonly faults?: SimulatedFaults;
  /** The `cluster-name` info value. Default: none (`null`). */
  readonly clusterName?: string;
  /** Records to serve; a SimulatedCluster shares one between its nodes. Default: a store of its own (clock, defaultTtlSeconds). */
  readonly store?: SimulatedStore;
  /** Membership of a SimulatedCluster, which passes it; a standalone node is a one-node cluster. */
  readonly cluster?: SimulatedNodeCluster;
}

/** What a SimulatedCluster answers for one of its nodes. */
export interface SimulatedNodeCluster {
  /** A cluster-level info value (peers, replicas, generations…), or undefined for the node's own table. */
  info(name: string): string | undefined;
  /** The node's relation to a partition: served, proxied (key commands only) or unavailable (rc 11). */
  partitionAccess(namespace: string, partitionId: number): PartitionAccess;
  /** Cluster entries of the `statistics` reply (cluster_size, cluster_key…). */
  statistics(): Readonly<Record<string, number | string>>;
}

export type RequestKind = 'info' | AsMsgKind | AdminKind | 'compressed';

export interface SimulatedNodeStats {
  readonly connectionsOpened: number;
  readonly connectionsClosed: number;
  /** Requests by kind; `compressed` counts type-4 requests in addition to their inner kind. */
  readonly requests: Readonly<Record<RequestKind, number>>;
  /** Info names asked, by name (a request of three names counts each once). */
  readonly infoNames: Readonly<Record<string, number>>;
  /** Sockets closed because a request did not parse. */
  readonly parseErrors: number;
  /** Reply bytes handed to sockets, over all connections. */
  readonly replyBytes: number;
}
