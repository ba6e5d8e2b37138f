// Per-node TLS names (cluster.md §3.3, a seed's tlsName, a peer's tls-name): the certificate name
// each connection to that node checks, on its tend connection and its data connections.
import { mergeMap } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import type { ConnectOptions } from '../../lib/node-transport';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { getCommand, readPolicy, runMarbles } from './cluster-harness';

describe('Cluster TLS names', () => {
  it('connects to a seed with its tlsName as the TLS servername, on the tend and the data connections', () => {
    const seen: string[] = [];
    runMarbles(() => {
      const fake = new FakeCluster({ nodes: ['A'], replicationFactor: 1 });
      const connect$ = fake.transport.connect$.bind(fake.transport);
      fake.transport.connect$ = (host: string, port: number, opts?: ConnectOptions) => {
        seen.push(`${host}:${String(opts?.tls?.servername)}`);
        return connect$(host, port, opts);
      };
      fake.transport.setDefaultReply('command', asMsgRecord({}));
      Cluster.connect$({ ...fake.clientOptions(), seeds: [{ host: '10.0.0.1', port: 3000, tlsName: 'a.db.example' }], tls: { servername: 'cluster.example' } })
        .pipe(mergeMap((cluster) => cluster.execute$(getCommand(), readPolicy()).pipe(mergeMap(async () => cluster.close()))))
        .subscribe();
    });
    expect(seen).toEqual(['10.0.0.1:a.db.example', '10.0.0.1:a.db.example']);
  });

  it('keeps the configured servername for a node with no TLS name', () => {
    const seen: string[] = [];
    runMarbles(() => {
      const fake = new FakeCluster({ nodes: ['A'], replicationFactor: 1 });
      const connect$ = fake.transport.connect$.bind(fake.transport);
      fake.transport.connect$ = (host: string, port: number, opts?: ConnectOptions) => {
        seen.push(String(opts?.tls?.servername));
        return connect$(host, port, opts);
      };
      Cluster.connect$({ ...fake.clientOptions(), tls: { servername: 'cluster.example' } }).subscribe((c) => c.close());
    });
    expect(seen).toEqual(['cluster.example']);
  });
});
