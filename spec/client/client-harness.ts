// Plumbing for the record-API marble specs: a client connected to a FakeCluster at virtual time 0
// (the tend takes no virtual time unless the fake has latency), closed at the end of the run.
import { mergeMap, shareReplay, type Observable } from 'rxjs';
import { AerospikeClient, type ClientOptions } from '../../lib/client/aerospike-client';
import { FakeCluster, type FakeClusterOptions } from '../../lib/testing/fake-cluster';
import type { Run } from '../cluster/cluster-harness';

export interface ClientSetup {
  readonly fake: FakeCluster;
  /** The connected client, once connect$ emitted. */
  client(): AerospikeClient;
  /** A call on the client, subscribed after connect. */
  call<T>(fn: (client: AerospikeClient) => Observable<T>): Observable<T>;
}

export function clientOn(run: Run, fakeOptions: Partial<FakeClusterOptions> = {}, options: Partial<ClientOptions> = {}, closeAtMs = 100_000): ClientSetup {
  const fake = new FakeCluster({ nodes: ['A', 'B', 'C'], ...fakeOptions });
  const connected$ = AerospikeClient.connect$({ ...fake.clientOptions(), ...options }).pipe(shareReplay(1));
  let client: AerospikeClient | undefined;
  connected$.subscribe((c) => (client = c));
  run.at(closeAtMs, () => client?.close());
  return { fake, client: () => client!, call: (fn) => connected$.pipe(mergeMap(fn)) };
}
