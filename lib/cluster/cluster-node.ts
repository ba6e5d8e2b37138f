// One node of the cluster as the tender knows it: identity, tend state (generations, failures,
// session), its pool and error-rate counter. State only: the tender changes it, the router reads it.

import type { Connection } from '../node-transport';
import type { NodePool } from './node-pool';

export interface NodeInfo {
  /** The node's `node` info value. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** A cached session. The token sits in a private field: util.inspect (showHidden, getters) and JSON never print it. */
export class NodeSession {
  readonly #token: Buffer;

  constructor(
    token: Buffer,
    /** Scheduler time after which the tender logs in again; undefined = no expiry known. */
    readonly expiresAtMs: number | undefined,
  ) {
    this.#token = token;
  }

  /** The token, for the AUTHENTICATE of the node's data connections. */
  token(): Buffer {
    return this.#token;
  }
}

export class ClusterNode implements NodeInfo {
  /** False once removed: routing skips it, its pool is closed, a node with its name returning is a new object. */
  active = true;
  /** Consecutive tends that failed on this node. */
  failures = 0;
  /** Set by this tend's refresh: the node answered. */
  answeredThisTend = false;
  peersGeneration = -1;
  partitionGeneration = -1;
  rebalanceGeneration = -1;
  /** The partition map must be fetched (generation changed, node new or recovered, displaced by a merge). */
  partitionsStale = true;
  /** rack-ids must be fetched (rebalance generation changed). */
  racksStale = true;
  /** The rebalance generation of the last refresh, stored once rack-ids were fetched. */
  pendingRebalanceGeneration = -1;
  /** The node answered with another name at its address: removed at the end of this tend. */
  renamed = false;
  /** Tends in a row whose tend connection was refused (connection_error). */
  tendRefusals = 0;
  /** False once the node answered a login with security_not_enabled: data connections skip the login. */
  securityEnabled = true;
  /** Peers listed in this node's last peers reply. */
  peersCount = 0;
  /** How many peer lists named this node in the last peers refresh. */
  referenceCount = 0;
  /** Rack per namespace (prefer_rack), from `rack-ids`. */
  racks: ReadonlyMap<string, number> = new Map();
  /** The tend (info) connection, reopened after any failure. */
  tendConn: Connection | undefined;
  session: NodeSession | undefined;
  /** Set by a command that met an expired or refused session: the next tend logs in again. */
  loginNeeded = false;
  /** Errors in the current error-rate window (connections closed on error, server timeouts, device overload). */
  errorCount = 0;
  /** Connect attempts refused in a row by this node (reset by any success); steers reads away before a tend notices. */
  connectFailuresInRow = 0;
  /** Scheduler time of the last refused connect. */
  lastConnectFailureMs = -Infinity;
  readonly counters = { tendsOk: 0, tendsFailed: 0, commands: 0, commandErrors: 0 };

  constructor(
    readonly name: string,
    readonly host: string,
    readonly port: number,
    readonly features: ReadonlySet<string>,
    readonly pool: NodePool,
    readonly tlsName: string | undefined,
  ) {}

  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  info(): NodeInfo {
    return { name: this.name, host: this.host, port: this.port };
  }

  rackOf(namespace: string): number | undefined {
    return this.racks.get(namespace);
  }
}
