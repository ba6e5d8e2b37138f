// Cluster options (client-design.md §C3): seeds, tending, pools and the error-rate breaker, with
// their defaults and call-time validation. Seeds strings are parsed here; nothing is dialled.

import type { SchedulerLike } from 'rxjs';
import type { ConnectOptions, NodeTransport } from '../node-transport';
import { checkBoolean, checkCount, checkDuration, checkOptionsObject, describe } from './policy';

export const DEFAULT_PORT = 3000;

export interface SeedHost {
  readonly host: string;
  /** Default 3000. */
  readonly port?: number;
  /** TLS name of the seed (defaults to the host). */
  readonly tlsName?: string;
}

export interface ClusterOptions extends ConnectOptions {
  /** Where to start: `[{ host, port? }]` or `"h1:3000,h2:3000,[::1]:3000"`. */
  readonly seeds: readonly SeedHost[] | string;
  /** Default: the package's TcpTransport (registered by the package root). */
  readonly transport?: NodeTransport;
  /** Default asyncScheduler; a TestScheduler in marble tests. */
  readonly scheduler?: SchedulerLike;
  /** When set, a node reporting another cluster name is refused. */
  readonly clusterName?: string;
  /** Pause between the end of one tend and the start of the next. Default 1000. */
  readonly tendIntervalMs?: number;
  /** Connections kept open per node. Default 0. */
  readonly minConnsPerNode?: number;
  /** Beyond this, an attempt fails with no_more_connections (retryable). Default 100. */
  readonly maxConnsPerNode?: number;
  /** Idle pooled connections older than this are closed. Default 55000 (below the 60 s proto-fd-idle-ms older servers default to; 8.1 defaults it to 0, never); 0: never. */
  readonly maxSocketIdleMs?: number;
  /** Errors per node per window before attempts on it fail with max_error_rate. Default 100; 0: no limit. */
  readonly maxErrorRate?: number;
  /** The error-rate window, in tends. Default 1. */
  readonly errorRateWindow?: number;
  /** Use peers-*-alt / service-*-alt addresses. Default false. */
  readonly useServicesAlternate?: boolean;
  /** Rack preference order for replica 'prefer_rack'. */
  readonly rackIds?: readonly number[];
  /** connect$ errors when no seed validates. Default true. */
  readonly failIfNotConnected?: boolean;
}

export interface ResolvedClusterOptions {
  readonly seeds: readonly Required<Pick<SeedHost, 'host' | 'port'>>[] & readonly SeedHost[];
  readonly clusterName: string | undefined;
  readonly tendIntervalMs: number;
  readonly minConnsPerNode: number;
  readonly maxConnsPerNode: number;
  readonly maxSocketIdleMs: number;
  readonly maxErrorRate: number;
  readonly errorRateWindow: number;
  readonly useServicesAlternate: boolean;
  readonly rackIds: readonly number[];
  readonly failIfNotConnected: boolean;
}

// What every node connection is opened with (credentials and TLS key material included) is kept off
// the resolved options: util.inspect(cluster, { showHidden, getters }) would print any property.
const connectOptionsByResolved = new WeakMap<ResolvedClusterOptions, ConnectOptions>();

/** The options every node connection is opened with: the non-cluster options, credentials included. */
export function connectOptions(options: ResolvedClusterOptions): ConnectOptions {
  const connect = connectOptionsByResolved.get(options);
  if (connect === undefined) throw new TypeError('options must come from resolveClusterOptions');
  return connect;
}

/** Cluster info timeouts default to J's ClientPolicy.timeout: a tend must not wait 5 s on a hung node. */
export const DEFAULT_CLUSTER_CONNECT_TIMEOUT_MS = 1000;

const CLUSTER_KEYS = new Set([
  'seeds', 'transport', 'scheduler', 'clusterName', 'tendIntervalMs', 'minConnsPerNode', 'maxConnsPerNode', 'maxSocketIdleMs',
  'maxErrorRate', 'errorRateWindow', 'useServicesAlternate', 'rackIds', 'failIfNotConnected', 'policies',
]);

/** Validates cluster options (TypeError/RangeError naming the option); transport-level options are left to the transport. */
export function resolveClusterOptions(options: ClusterOptions): ResolvedClusterOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describe(options)}`);
  const seeds = parseSeeds(options.seeds);
  const minConnsPerNode = options.minConnsPerNode === undefined ? 0 : checkCount(options.minConnsPerNode, 'minConnsPerNode', 0, 10_000);
  const maxConnsPerNode = options.maxConnsPerNode === undefined ? 100 : checkCount(options.maxConnsPerNode, 'maxConnsPerNode', 1, 10_000);
  if (minConnsPerNode > maxConnsPerNode) {
    throw new RangeError(`minConnsPerNode (${minConnsPerNode}) must not exceed maxConnsPerNode (${maxConnsPerNode})`);
  }
  if (options.clusterName !== undefined && (typeof options.clusterName !== 'string' || options.clusterName.length === 0)) {
    throw new TypeError(`clusterName must be a non-empty string, got ${describe(options.clusterName)}`);
  }
  // present fields are checked, null included (?? would take null for the default)
  const rackIds = options.rackIds === undefined ? [] : options.rackIds;
  if (!Array.isArray(rackIds)) throw new TypeError(`rackIds must be an array of integers, got ${describe(rackIds)}`);
  rackIds.forEach((id, i) => checkCount(id, `rackIds[${i}]`, 0, 0x7fff_ffff));
  if (options.transport !== undefined && (typeof options.transport !== 'object' || typeof options.transport.connect$ !== 'function')) {
    throw new TypeError('transport must implement NodeTransport (connect$, info$, command$, …)');
  }
  if (options.scheduler !== undefined && (typeof options.scheduler !== 'object' || typeof options.scheduler.schedule !== 'function')) {
    throw new TypeError('scheduler must be an RxJS SchedulerLike');
  }
  checkOptionsObject((options as { policies?: unknown }).policies, 'policies');
  const connect: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (!CLUSTER_KEYS.has(key)) connect[key] = (options as unknown as Record<string, unknown>)[key];
  }
  if (connect['connectTimeoutMs'] === undefined) connect['connectTimeoutMs'] = DEFAULT_CLUSTER_CONNECT_TIMEOUT_MS;
  const resolved: ResolvedClusterOptions = {
    seeds,
    clusterName: options.clusterName,
    tendIntervalMs: options.tendIntervalMs === undefined ? 1000 : positive(checkDuration(options.tendIntervalMs, 'tendIntervalMs'), 'tendIntervalMs'),
    minConnsPerNode,
    maxConnsPerNode,
    // 0 turns the limit off, as in J
    maxSocketIdleMs: options.maxSocketIdleMs === undefined ? 55_000 : offWhenZero(checkDuration(options.maxSocketIdleMs, 'maxSocketIdleMs')),
    maxErrorRate: options.maxErrorRate === undefined ? 100 : offWhenZero(checkCount(options.maxErrorRate, 'maxErrorRate', 0)),
    errorRateWindow: options.errorRateWindow === undefined ? 1 : checkCount(options.errorRateWindow, 'errorRateWindow', 1, 1_000_000),
    useServicesAlternate: options.useServicesAlternate === undefined ? false : checkBoolean(options.useServicesAlternate, 'useServicesAlternate'),
    rackIds,
    failIfNotConnected: options.failIfNotConnected === undefined ? true : checkBoolean(options.failIfNotConnected, 'failIfNotConnected'),
  };
  connectOptionsByResolved.set(resolved, connect as ConnectOptions);
  return resolved;
}

function offWhenZero(value: number): number {
  return value === 0 ? Infinity : value;
}

function positive(value: number, name: string): number {
  if (value === 0) throw new RangeError(`${name} must be positive, got 0`);
  return value;
}

/** Seeds as objects, from an array or a `"host:port,[v6]:port,host"` string; the port defaults to 3000. */
export function parseSeeds(seeds: unknown): ({ host: string; port: number; tlsName?: string })[] {
  let list: unknown[];
  if (typeof seeds === 'string') list = seeds.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => parseHostPort(s, 'seeds'));
  else if (Array.isArray(seeds)) list = seeds;
  else throw new TypeError(`seeds must be an array of { host, port? } or a "host:port,…" string, got ${describe(seeds)}`);
  if (list.length === 0) throw new RangeError('seeds must name at least one host');
  return list.map((seed, i) => {
    if (seed === null || typeof seed !== 'object') throw new TypeError(`seeds[${i}] must be an object { host, port? }, got ${describe(seed)}`);
    const { host, port, tlsName } = seed as SeedHost;
    if (typeof host !== 'string' || host.length === 0) throw new TypeError(`seeds[${i}].host must be a non-empty string, got ${describe(host)}`);
    const p = port === undefined ? DEFAULT_PORT : checkCount(port, `seeds[${i}].port`, 1, 65_535);
    if (tlsName !== undefined && typeof tlsName !== 'string') throw new TypeError(`seeds[${i}].tlsName must be a string`);
    return tlsName === undefined ? { host, port: p } : { host, port: p, tlsName };
  });
}

function parseHostPort(text: string, name: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6 !== null) return { host: v6[1]!, port: v6[2] === undefined ? DEFAULT_PORT : portOf(v6[2], text, name) };
  const colon = text.lastIndexOf(':');
  if (colon === -1) return { host: text, port: DEFAULT_PORT };
  if (text.indexOf(':') !== colon) return { host: text, port: DEFAULT_PORT }; // a bare IPv6 address
  return { host: text.slice(0, colon), port: portOf(text.slice(colon + 1), text, name) };
}

function portOf(digits: string, text: string, name: string): number {
  const port = /^\d{1,5}$/.test(digits) ? Number(digits) : NaN;
  if (!(port >= 1 && port <= 65_535)) throw new RangeError(`${name}: bad port in ${JSON.stringify(text)}`);
  return port;
}
