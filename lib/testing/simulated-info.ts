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
  readonly port: number;
  readonly clusterName?: string;
  readonly statistics: () => Readonly<Record<string, number>>;
  readonly objects: (namespace: string) => number;
}

export const UNKNOWN_INFO_VALUE = 'ERROR::unknown command';
export const NOT_AUTHENTICATED_INFO_VALUE = 'ERROR:80:not authenticated';

function features(ctx: InfoContext): string {
  const list = ['batch-index', 'blob-bits', 'cdt-list', 'cdt-map', 'float', 'geo', 'partition-query', 'peers', 'pipelining', 'query-show', 'replicas', 'truncate-namespace'];
  if (ctx.compression) list.unshift('compression');
  return list.join(';');
}

function valueOf(name: string, ctx: InfoContext): string {
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
    case 'peers-clear-std':
    case 'peers-tls-std':
    case 'peers-clear-alt':
      // generation, default port, no peers: a one-node cluster
      return `0,${ctx.port},[]`;
    case 'partition-generation':
    case 'peers-generation':
      return '0';
    case 'cluster-name':
      return ctx.clusterName ?? 'null';
    default:
      break;
  }
  if (name.startsWith('namespace/')) {
    const ns = name.slice('namespace/'.length);
    return ctx.namespaces.includes(ns) ? `objects=${ctx.objects(ns)};replication-factor=1;storage-engine=memory` : 'ERROR::namespace not found';
  }
  if (name.startsWith('user-agent-set:')) return 'ok';
  return UNKNOWN_INFO_VALUE;
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
