// The peers step of a tend (cluster.md §3.2 step 2, J): every node that answered this tend lists its
// peers; unknown ones are validated on each advertised address in turn and adopted; new nodes list
// their peers too, until nothing new appears. A node's peers generation advances only once every
// peer it lists is known, so a peer that could not be reached is tried again next tend.

import { catchError, concat, concatMap, defaultIfEmpty, defer, EMPTY, forkJoin, from, map, mergeMap, of, take, type Observable } from 'rxjs';
import type { PeerEntry, PeersReply } from '../protocol/peers';
import { parsePeers } from '../protocol/peers';
import type { ClusterNode } from './cluster-node';
import { validateNode$, type ValidatedNode } from './node-validator';
import { asAerospikeError } from './seeder';
import { nodesByName, type TendHost } from './tend-host';

/** Rounds of "new nodes list their peers" per tend: a cluster cannot need more than its size. */
const MAX_ROUNDS = 64;

interface Listing {
  readonly node: ClusterNode;
  readonly reply: PeersReply;
}

/**
 * Cold: lists peers from `askers` (and then from every node adopted on the way), adopts unknown peers,
 * recomputes every node's reference count, emits how many listings succeeded, and completes. With
 * none, the reference counts say nothing: no node was looked for in any list. Failures are tend_error events.
 */
export function discoverPeers$(host: TendHost, askers: readonly ClusterNode[]): Observable<number> {
  return defer(() => {
    const listings: Listing[] = [];
    // J: a peer no address of which validated is not dialled again in the same tend
    const refused = new Set<string>();
    const round = (nodes: readonly ClusterNode[], depth: number): Observable<never> => {
      if (nodes.length === 0 || depth >= MAX_ROUNDS) return EMPTY;
      return forkJoin(nodes.map((node) => listPeers$(host, node))).pipe(
        mergeMap((replies) => {
          const fresh: Listing[] = [];
          replies.forEach((reply, i) => {
            if (reply !== undefined) fresh.push({ node: nodes[i]!, reply });
          });
          listings.push(...fresh);
          return adoptUnknown$(host, fresh, refused);
        }),
        mergeMap((adopted) => round(adopted, depth + 1)),
      );
    };
    return concat(
      round(askers, 0),
      defer(() => {
        settle(host, listings);
        return of(listings.length);
      }),
    );
  });
}

function listPeers$(host: TendHost, node: ClusterNode): Observable<PeersReply | undefined> {
  const name = host.peersInfoName;
  const conn = node.tendConn;
  if (conn === undefined || !conn.isOpen) return of(undefined);
  return host.transport.info$(conn, [name]).pipe(
    map((reply) => parsePeers(reply[name] ?? '', name)),
    catchError((err: unknown) => {
      // as a failed refresh (J): the node sits out the rest of this tend, its tend connection is not
      // trusted (a timeout has destroyed it), and its next clean refresh has it list peers and fetch its map again
      node.failures++;
      node.answeredThisTend = false;
      host.transport.close(conn);
      if (node.tendConn === conn) node.tendConn = undefined;
      host.emit({ type: 'tend_error', phase: 'peers', node: node.name, error: asAerospikeError(err, `${name} from ${node.name}`) });
      return of(undefined);
    }),
  );
}

/**
 * Validates every peer name no active node has (first listing wins), plus peers whose known node is
 * failing and is not at any address listed for it (J: the node moved; the new address replaces it).
 * Peers in `refused` are skipped; those that fail here are added to it. Emits the nodes adopted.
 */
function adoptUnknown$(host: TendHost, listings: readonly Listing[], refused: Set<string>): Observable<ClusterNode[]> {
  const candidates = new Map<string, PeerEntry>();
  for (const { reply } of listings) {
    for (const peer of reply.peers) {
      if (candidates.has(peer.nodeName) || refused.has(peer.nodeName)) continue;
      const known = host.nodes.get(peer.nodeName);
      if (known === undefined || (known.failures > 0 && !listedAt(known, peer))) candidates.set(peer.nodeName, peer);
    }
  }
  if (candidates.size === 0) return of([]);
  const peers = [...candidates.values()];
  return forkJoin(peers.map((peer) => validatePeer$(host, peer))).pipe(
    map((validated) => {
      const adopted: ClusterNode[] = [];
      for (const [i, v] of validated.entries()) {
        if (v === undefined) {
          refused.add(peers[i]!.nodeName);
          continue;
        }
        const known = host.nodes.get(v.name);
        if (known !== undefined) {
          if (known.failures === 0 || listedAt(known, { addresses: [{ host: v.host, port: v.port }] })) {
            host.transport.close(v.conn);
            continue;
          }
          host.remove(known, 'replaced');
        }
        adopted.push(host.adopt(v));
      }
      return adopted;
    }),
  );
}

/** Each advertised address in turn until one validates; undefined when none does. */
function validatePeer$(host: TendHost, peer: PeerEntry): Observable<ValidatedNode | undefined> {
  const tlsName = peer.tlsName !== undefined && peer.tlsName.length > 0 ? peer.tlsName : undefined;
  return from(peer.addresses).pipe(
    concatMap((address) =>
      validateNode$(host.transport, host.scheduler, { host: address.host, port: address.port, tlsName }, host.tendConnectOptions(peer.nodeName), host.options.clusterName).pipe(
        catchError((err: unknown) => {
          const where = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
          host.emit({ type: 'tend_error', phase: 'peers', node: peer.nodeName, address: where, error: asAerospikeError(err, `peer ${peer.nodeName} at ${where}`) });
          return EMPTY;
        }),
      ),
    ),
    take(1),
    defaultIfEmpty(undefined),
  );
}

function listedAt(node: ClusterNode, peer: Pick<PeerEntry, 'addresses'>): boolean {
  return peer.addresses.some((a) => a.host === node.host && a.port === node.port);
}

/** Reference counts from every listing of this tend; a lister's peers generation advances when all its peers are known. */
function settle(host: TendHost, listings: readonly Listing[]): void {
  for (const node of nodesByName(host)) node.referenceCount = 0;
  for (const { node, reply } of listings) {
    node.peersCount = reply.peers.length;
    let allKnown = true;
    for (const peer of reply.peers) {
      const known = host.nodes.get(peer.nodeName);
      if (known === undefined) allKnown = false;
      else known.referenceCount++;
    }
    if (allKnown && node.active) node.peersGeneration = reply.generation;
  }
}
