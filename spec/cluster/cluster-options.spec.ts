// Cluster options as resolved: zero turns a limit off, as in the Java client (which users of this one
// come from): maxErrorRate 0 is no error limit, maxSocketIdleMs 0 keeps idle pooled connections
// however long they idle; a field set to null is refused, never taken for its default.
import { mergeMap, shareReplay } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import { connectOptions, resolveClusterOptions } from '../../lib/cluster/cluster-options';
import { TcpTransport } from '../../lib/net/tcp-transport';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { getCommand, readPolicy, runMarbles } from './cluster-harness';

const OK = asMsgRecord({ generation: 1 });

describe('Cluster limits set to zero', () => {
  it('maxErrorRate 0 is no error limit: a node with thousands of errors this window still serves its reads', () => {
    const served: string[] = [];
    runMarbles((r) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'], ownership: ['A', 'B'] });
      fake.transport.setDefaultReply('command', OK);
      const cluster$ = Cluster.connect$({ ...fake.clientOptions(), maxErrorRate: 0 }).pipe(shareReplay(1));
      r.at(1, () =>
        cluster$.pipe(mergeMap((c) => {
          c.nodes.get('A')!.errorCount = 5000;
          return c.execute$(getCommand(), readPolicy({ maxRetries: 0 }));
        })).subscribe({ next: () => served.push(...['A', 'B'].filter((n) => fake.transport.calls(n).some((call) => call.kind === 'command'))), error: (e: unknown) => served.push(String(e)) }),
      );
      r.at(2, () => cluster$.subscribe((c) => c.close()));
    });
    expect(served).toEqual(['A']);
  });

  it('maxSocketIdleMs 0 keeps an idle pooled connection open and reuses it after an hour', () => {
    let connects = -1;
    let closes = -1;
    runMarbles((r) => {
      const fake = new FakeCluster({ nodes: ['A'], ownership: ['A'] });
      fake.transport.setDefaultReply('command', OK);
      const cluster$ = Cluster.connect$({ ...fake.clientOptions(), maxSocketIdleMs: 0, tendIntervalMs: 60_000 }).pipe(shareReplay(1));
      r.at(1, () => cluster$.pipe(mergeMap((c) => c.execute$(getCommand(), readPolicy()))).subscribe());
      r.at(3_600_000, () => cluster$.pipe(mergeMap((c) => c.execute$(getCommand(), readPolicy()))).subscribe());
      r.at(3_600_001, () => {
        // the tend connection is one; the data connection opened at 1 ms is the other, still the only one
        connects = fake.transport.connectCount('A');
        closes = fake.transport.closeCount('A');
      });
      r.at(3_600_002, () => cluster$.subscribe((c) => c.close()));
    }, 4_000_000);
    expect({ connects, closes }).toEqual({ connects: 2, closes: 0 });
  });

  it('resolves both to no limit, and still rejects negative values', () => {
    const seeds = '10.0.0.1:3000';
    expect(resolveClusterOptions({ seeds, maxErrorRate: 0, maxSocketIdleMs: 0 })).toEqual(jasmine.objectContaining({ maxErrorRate: Infinity, maxSocketIdleMs: Infinity }));
    expect(() => resolveClusterOptions({ seeds, maxErrorRate: -1 })).toThrowError(RangeError, /maxErrorRate/);
    expect(() => resolveClusterOptions({ seeds, maxSocketIdleMs: -1 })).toThrowError(RangeError, /maxSocketIdleMs/);
  });

  it('refuses rackIds: null instead of taking it for no racks', () => {
    expect(() => resolveClusterOptions({ seeds: 'h', rackIds: null as never })).toThrowError(TypeError, /rackIds/);
  });

  it('hands connectTimeoutMs: null to the transport, which refuses it, instead of the default', () => {
    const connect = connectOptions(resolveClusterOptions({ seeds: 'h', connectTimeoutMs: null as never }));
    expect(connect.connectTimeoutMs).toBeNull();
    expect(() => new TcpTransport().connect$('127.0.0.1', 1, connect)).toThrowError(/connectTimeoutMs/);
  });
});
