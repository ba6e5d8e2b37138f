// Seeding an empty cluster (cluster.md §2.2, J): seeds are dialled in order until one validates; a
// seed that lists no peers is kept only as a fallback while other seeds remain (so an orphan node is
// not adopted when a real cluster is reachable). Every refusal is reported with its seed.

import { catchError, concat, defer, EMPTY, finalize, map, mergeMap, of, type Observable } from 'rxjs';
import { AerospikeError } from '../errors';
import { parsePeers } from '../protocol/peers';
import { validateNode$, type ValidatedNode } from './node-validator';
import type { TendHost } from './tend-host';

export interface SeedFailure {
  /** host:port of the seed. */
  readonly seed: string;
  readonly error: AerospikeError;
}

export function seedAddress(seed: { readonly host: string; readonly port: number }): string {
  return seed.host.includes(':') ? `[${seed.host}]:${seed.port}` : `${seed.host}:${seed.port}`;
}

/** Cold: adopts at most one seed node; emits the refusals met on the way, then completes. */
export function seed$(host: TendHost): Observable<readonly SeedFailure[]> {
  return defer(() => {
    const failures: SeedFailure[] = [];
    let fallback: ValidatedNode | undefined;
    const seeds = host.seedHosts();
    const adopt = (validated: ValidatedNode): Observable<never> => {
      if (fallback !== undefined && fallback !== validated) host.transport.close(fallback.conn);
      fallback = undefined;
      if (host.nodes.has(validated.name)) host.transport.close(validated.conn);
      else host.adopt(validated);
      return EMPTY;
    };
    const tryFrom = (index: number): Observable<never> =>
      defer(() => {
        if (index >= seeds.length) return fallback === undefined ? EMPTY : adopt(fallback);
        const seed = seeds[index]!;
        const address = seedAddress(seed);
        return validateNode$(host.transport, host.scheduler, { host: seed.host, port: seed.port, tlsName: seed.tlsName }, host.tendConnectOptions(undefined), host.options.clusterName).pipe(
          map((validated): ValidatedNode | undefined => validated),
          catchError((err: unknown) => {
            const error = asAerospikeError(err, `seed ${address}`);
            failures.push({ seed: address, error });
            host.emit({ type: 'tend_error', phase: 'seed', address, error });
            return of(undefined);
          }),
          mergeMap((validated) => {
            if (validated === undefined) return tryFrom(index + 1);
            if (index === seeds.length - 1) return adopt(validated);
            return peerCount$(host, validated).pipe(
              mergeMap((count) => {
                if (count > 0) return adopt(validated);
                if (fallback === undefined) fallback = validated;
                else host.transport.close(validated.conn);
                return tryFrom(index + 1);
              }),
            );
          }),
        );
      });
    return concat(tryFrom(0), defer(() => of(failures))).pipe(
      finalize(() => {
        // cut short while a fallback was held: its tend connection must not leak
        if (fallback !== undefined) host.transport.close(fallback.conn);
        fallback = undefined;
      }),
    );
  });
}

function peerCount$(host: TendHost, validated: ValidatedNode): Observable<number> {
  const name = host.peersInfoName;
  return host.transport.info$(validated.conn, [name]).pipe(
    map((reply) => parsePeers(reply[name] ?? '', name).peers.length),
    catchError(() => of(0)),
  );
}

export function asAerospikeError(err: unknown, what: string): AerospikeError {
  if (err instanceof AerospikeError) return err;
  return new AerospikeError('parse_error', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
