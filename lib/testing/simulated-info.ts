// The simulated node's info protocol (type 1): a reply line per requested name, from a table of
// the commands tests and the demo use; unknown names answer an ERROR value as a server does.
// Builds bytes only.

import { MessageType } from '../protocol/constants';
import { encodeFrame } from '../protocol/proto-header';

export interface InfoContext {
  readonly nodeName: string;
  readonly build: string;
  readonly namespaces: readonly string[];
  readonly compression: boolean;
  readonly clusterName?: string | undefined;
  readonly statistics: () => Readonly<Record<string, number | string>>;
  /** Drops the records of a namespace (and set); the store is shared, so the whole cluster sees it. */
  readonly truncate: (namespace: string, set: string | undefined) => void;
  /** Values the node's cluster answers (peers, replicas, generations, namespace/…); undefined: this table. */
  readonly clusterValue: (name: string) => string | undefined;
}

/** A real 8.1.2 node's answer to a name it does not know. */
export const UNKNOWN_INFO_VALUE = 'ERROR:4:unrecognized command';
export const NOT_AUTHENTICATED_INFO_VALUE = 'ERROR:80:not authenticated';

/** A real 8.1.2 CE node's `features`; the official client rejects a node without `pscans`. */
const SERVER_FEATURES = [
  'batch-any', 'batch-index', 'blob-bits', 'cdt-index', 'cdt-list', 'cdt-map', 'cluster-stable', 'float', 'geo', 'sindex-exists',
  'peers', 'pipelining', 'pquery', 'pscans', 'query-show', 'relaxed-sc', 'replicas', 'replicas-all', 'replicas-master', 'replicas-max',
  'truncate-namespace', 'udf',
] as const;

function features(ctx: InfoContext): string {
  // CE lists no `compression` (it answers compressed requests with rc 25); this node can inflate them
  return (ctx.compression ? ['compression', ...SERVER_FEATURES] : SERVER_FEATURES).join(';');
}

function valueOf(name: string, ctx: InfoContext): string {
  const clustered = ctx.clusterValue(name);
  if (clustered !== undefined) return clustered;
  switch (name) {
    case 'build':
      return ctx.build;
    case 'node':
      return ctx.nodeName;
    case 'namespaces':
      return ctx.namespaces.join(';');
    case 'status':
      return 'ok';
    case 'features':
      return features(ctx);
    case 'statistics':
      return Object.entries(ctx.statistics())
        .map(([k, v]) => `${k}=${v}`)
        .join(';');
    case 'cluster-name':
      return ctx.clusterName ?? 'null';
    case 'edition':
      return 'Aerospike Community Edition';
    case 'version':
      return `Aerospike Community Edition build ${ctx.build}`;
    default:
      break;
  }
  if (name.startsWith('namespace/')) return 'type=unknown';
  if (name.startsWith('user-agent-set:')) return 'ok';
  if (name.startsWith('truncate-namespace:') || name.startsWith('truncate:')) return truncate(name, ctx);
  return UNKNOWN_INFO_VALUE;
}

/**
 * `truncate-namespace:namespace=<ns>` and `truncate:namespace=<ns>;set=<set>`, answered as 8.1.2 does:
 * `ok` (even for a namespace it does not have), or an error naming the missing parameter.
 */
function truncate(name: string, ctx: InfoContext): string {
  const colon = name.indexOf(':');
  const params = new Map(name.slice(colon + 1).split(';').filter((p) => p.length > 0).map((p) => p.split('=', 2) as [string, string]));
  const namespace = params.get('namespace');
  if (namespace === undefined || namespace.length === 0) return "ERROR:20:missing 'namespace'";
  const set = params.get('set');
  if (name.startsWith('truncate:') && (set === undefined || set.length === 0)) return "ERROR:4:missing 'set'";
  ctx.truncate(namespace, name.startsWith('truncate:') ? set : undefined);
  return 'ok';
}

/** The info reply frame for a request body (`name\n` per command). */
export function infoReplyFrame(body: Buffer, ctx: InfoContext, authenticated: boolean): Buffer {
  const names = body
    .toString('utf8')
    .split('\n')
    .filter((name) => name.length > 0);
  const text = names.map((name) => `${name}\t${authenticated ? valueOf(name, ctx) : NOT_AUTHENTICATED_INFO_VALUE}\n`).join('');
  return encodeFrame(MessageType.INFO, Buffer.from(text, 'utf8'));
}
