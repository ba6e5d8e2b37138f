// Validating a seed or a peer address before it becomes a node (client-design.md §C4, cluster.md §2.2
// J rules): tend connection + login, then `node`, `partition-generation`, `features` (+ `cluster-name`).
// Refusals are typed errors naming the address and the reason; the connection is closed on refusal.

import { catchError, map, mergeMap, throwError, type Observable, type SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import type { Connection, NodeTransport } from '../node-transport';
import { parseFeatures } from '../protocol/features';
import { parseGeneration } from '../protocol/generation';
import type { NodeSession } from './cluster-node';
import { openTendConnection$, withTlsName, type TendConnectOptions } from './node-session';

export interface ValidatedNode {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tlsName: string | undefined;
  readonly features: ReadonlySet<string>;
  readonly partitionGeneration: number;
  readonly conn: Connection;
  readonly session: NodeSession | undefined;
  readonly securityEnabled: boolean;
}

export interface ValidationTarget {
  readonly host: string;
  readonly port: number;
  readonly tlsName: string | undefined;
}

export function validationInfoNames(clusterName: string | undefined): string[] {
  return clusterName === undefined ? ['node', 'partition-generation', 'features'] : ['node', 'partition-generation', 'features', 'cluster-name'];
}

/** Cold: a validated node (tend connection open and logged in), or an error naming why the address was refused. */
export function validateNode$(
  transport: NodeTransport,
  scheduler: SchedulerLike,
  target: ValidationTarget,
  connect: TendConnectOptions,
  clusterName: string | undefined,
): Observable<ValidatedNode> {
  const address = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  return openTendConnection$(transport, scheduler, target.host, target.port, { ...connect, connect: withTlsName(connect.connect, target.tlsName) }).pipe(
    mergeMap((opened) =>
      transport.info$(opened.conn, validationInfoNames(clusterName)).pipe(
        map((reply): ValidatedNode => {
          const name = reply['node'];
          if (name === undefined || name.length === 0 || name.startsWith('ERROR')) {
            throw new AerospikeError('invalid_node', `${address} is not a valid node: its info reply has no node name${name === undefined ? '' : ` (${JSON.stringify(name)})`}`);
          }
          const generation = parseGeneration(reply['partition-generation'], 'partition-generation', { allowMinusOne: true });
          if (generation === -1) throw new AerospikeError('invalid_node', `node ${name} at ${address} is not yet fully initialized (partition-generation -1)`, { node: name });
          if (clusterName !== undefined && reply['cluster-name'] !== clusterName) {
            throw new AerospikeError('invalid_node', `node ${name} at ${address} belongs to cluster ${JSON.stringify(reply['cluster-name'] ?? null)}, expected ${JSON.stringify(clusterName)}`, { node: name });
          }
          const features = reply['features'] === undefined || reply['features'].startsWith('ERROR') ? new Set<string>() : parseFeatures(reply['features']);
          return { name, host: target.host, port: target.port, tlsName: target.tlsName, features, partitionGeneration: generation, conn: opened.conn, session: opened.session, securityEnabled: opened.securityEnabled };
        }),
        catchError((err: unknown) => {
          transport.close(opened.conn);
          return throwError(() => err);
        }),
      ),
    ),
  );
}
