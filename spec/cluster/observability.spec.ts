// nodes$, events$, stats(), the aerospike:tend and aerospike:command channels, option validation and
// close() (client-design.md §C3, §C6), on FakeCluster in virtual time.
import { tracingChannel } from 'node:diagnostics_channel';
import { take } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import { connectOptions, resolveClusterOptions, parseSeeds } from '../../lib/cluster/cluster-options';
import { CHANNEL_NAMES, type CommandSpanContext, type TendSpanContext } from '../../lib/telemetry';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { getCommand, readPolicy, runMarbles } from './cluster-harness';

describe('Cluster observability and life cycle', () => {
  it('nodes$ replays the active nodes to each subscriber and emits when they change', () => {
    const lists: string[] = [];
    runMarbles(({ at }) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'] });
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        at(10, () => cluster.nodes$.subscribe((nodes) => lists.push(`${10}:${nodes.map((n) => `${n.name}@${n.host}:${n.port}`).join(',')}`)));
        at(1500, () => fake.kill('B'));
        at(3500, () => cluster.close());
      });
    });
    expect(lists).toEqual(['10:A@10.0.0.1:3000,B@10.0.0.2:3000', '10:A@10.0.0.1:3000', '10:']);
  });

  it('events$ completes on close()', () => {
    let completed = false;
    runMarbles(({ at }) => {
      const fake = new FakeCluster({ nodes: ['A'] });
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        cluster.events$.subscribe({ complete: () => (completed = true) });
        at(5, () => cluster.close());
      });
    });
    expect(completed).toBeTrue();
  });

  it('stats() counts per node connections, tends, commands and errors, and the map', () => {
    let stats: ReturnType<Cluster['stats']> | undefined;
    runMarbles(({ at }) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'], ownership: ['A', 'B'] });
      fake.transport.scriptCommand('A', asMsgRecord({ resultCode: 9 }));
      fake.transport.setDefaultReply('command', asMsgRecord({}));
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        at(1, () => cluster.execute$(getCommand(), readPolicy()).subscribe());
        at(1500, () => {
          stats = cluster.stats();
          cluster.close();
        });
      });
    });
    expect(stats).toEqual({
      tends: 2,
      tendErrors: 0,
      namespaces: [{ namespace: 'test', replicaCount: 2, partitionsWithMaster: 4096 }],
      nodes: [
        jasmine.objectContaining({ name: 'A', address: '10.0.0.1:3000', commands: 1, commandErrors: 1, errorRate: 0, tends: { ok: 2, failed: 0 }, connections: jasmine.objectContaining({ open: 1, idle: 1 }) }),
        jasmine.objectContaining({ name: 'B', commands: 1, commandErrors: 0 }),
      ] as never,
    });
  });

  it('publishes one aerospike:tend span per cycle and one aerospike:command span per call, with its attempts', () => {
    const tends: TendSpanContext[] = [];
    const commands: CommandSpanContext[] = [];
    const tendHandlers = { start() {}, end() {}, asyncStart() {}, error() {}, asyncEnd: (ctx: TendSpanContext) => tends.push({ ...ctx, changes: [...ctx.changes] }) };
    const commandHandlers = { start() {}, end() {}, asyncStart() {}, error() {}, asyncEnd: (ctx: CommandSpanContext) => commands.push({ ...ctx }) };
    tracingChannel(CHANNEL_NAMES.tend).subscribe(tendHandlers as never);
    tracingChannel(CHANNEL_NAMES.command).subscribe(commandHandlers as never);
    try {
      runMarbles(({ at }) => {
        const fake = new FakeCluster({ nodes: ['A', 'B'], ownership: ['A', 'B'] });
        fake.transport.scriptCommand('A', asMsgRecord({ resultCode: 9 }));
        fake.transport.setDefaultReply('command', asMsgRecord({}));
        Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
          at(1, () => cluster.execute$(getCommand(), readPolicy()).subscribe());
          at(1500, () => cluster.close());
        });
      });
    } finally {
      tracingChannel(CHANNEL_NAMES.tend).unsubscribe(tendHandlers as never);
      tracingChannel(CHANNEL_NAMES.command).unsubscribe(commandHandlers as never);
    }
    expect(tends.map((t) => ({ nodes: t.nodes, changes: t.changes }))).toEqual([
      { nodes: 2, changes: ['node_added:A', 'node_added:B', 'partitions:test:A', 'partitions:test:B'] },
      { nodes: 2, changes: [] },
    ]);
    expect(commands).toEqual([{ command: 'get', namespace: 'test', set: 'users', partition: jasmine.any(Number) as never, attempts: 2, node: 'B', result: 'ok' }]);
  });

  it('ends the command span ok when the caller takes the value and unsubscribes at once (firstValueFrom)', () => {
    const results: (string | undefined)[] = [];
    const handlers = { start() {}, end() {}, asyncStart() {}, error() {}, asyncEnd: (ctx: CommandSpanContext) => results.push(ctx.result) };
    tracingChannel(CHANNEL_NAMES.command).subscribe(handlers as never);
    try {
      runMarbles(({ at }) => {
        const fake = new FakeCluster({ nodes: ['A'], replicationFactor: 1 });
        fake.transport.setDefaultReply('command', asMsgRecord({}));
        Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
          at(1, () => cluster.execute$(getCommand(), readPolicy()).pipe(take(1)).subscribe());
          at(2, () => cluster.close());
        });
      });
    } finally {
      tracingChannel(CHANNEL_NAMES.command).unsubscribe(handlers as never);
    }
    expect(results).toEqual(['ok']);
  });

  it('close() closes every connection it opened and stops tending', () => {
    let open = -1;
    let tendsAfter = -1;
    runMarbles(({ at }) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'], ownership: ['A', 'B'] });
      fake.transport.setDefaultReply('command', asMsgRecord({}));
      Cluster.connect$({ ...fake.clientOptions(), minConnsPerNode: 2 }).subscribe((cluster) => {
        at(1, () => cluster.execute$(getCommand(), readPolicy()).subscribe());
        at(1500, () => cluster.close());
        at(1501, () => (tendsAfter = fake.transport.calls('A').length));
        at(5000, () => {
          tendsAfter = fake.transport.calls('A').length - tendsAfter;
          open = ['A', 'B'].reduce((n, id) => n + fake.transport.connectCount(id) - fake.transport.closeCount(id), 0);
        });
      });
    });
    expect({ open, tendsAfter }).toEqual({ open: 0, tendsAfter: 0 });
  });

  it('close() called by a node_added handler while a tend adopts several peers leaves no node and no connection', () => {
    let active: string[] = [];
    let open: Record<string, number> = {};
    runMarbles(({ at }) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'] });
      Cluster.connect$(fake.clientOptions()).subscribe((cluster) => {
        cluster.events$.subscribe((e) => e.type === 'node_added' && cluster.close());
        // C and D join together: one tend adopts both, and the first node_added closes the cluster
        at(1500, () => {
          for (const name of ['C', 'D']) fake.addNode({ name });
          for (const name of ['C', 'D']) fake.join(name);
        });
        at(5000, () => {
          active = cluster.activeNodes().map((n) => n.name);
          open = Object.fromEntries(['A', 'B', 'C', 'D'].map((n) => [n, fake.transport.openConnections(n)]));
        });
      });
    });
    expect(active).toEqual([]);
    expect(open).toEqual({ A: 0, B: 0, C: 0, D: 0 });
  });

  it('keeps minConnsPerNode connections open on every node', () => {
    let idle: number[] = [];
    runMarbles(({ at }) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'] });
      Cluster.connect$({ ...fake.clientOptions(), minConnsPerNode: 3 }).subscribe((cluster) => {
        at(10, () => (idle = cluster.stats().nodes.map((n) => n.connections.idle)));
        at(20, () => cluster.close());
      });
    });
    expect(idle).toEqual([3, 3]);
  });

  it('validates options at call time, naming the option', () => {
    const base = { seeds: '10.0.0.1' };
    expect(() => Cluster.connect$({ ...base, tendIntervalMs: 0 })).toThrow(new RangeError('tendIntervalMs must be positive, got 0'));
    expect(() => Cluster.connect$({ ...base, maxConnsPerNode: 0 })).toThrow(new RangeError('maxConnsPerNode must be an integer in [1, 10000], got 0'));
    expect(() => Cluster.connect$({ ...base, minConnsPerNode: 5, maxConnsPerNode: 2 })).toThrow(new RangeError('minConnsPerNode (5) must not exceed maxConnsPerNode (2)'));
    expect(() => Cluster.connect$({ ...base, clusterName: '' })).toThrow(new TypeError('clusterName must be a non-empty string, got ""'));
    expect(() => Cluster.connect$({ seeds: [] })).toThrow(new RangeError('seeds must name at least one host'));
    expect(() => Cluster.connect$({ seeds: 42 as never })).toThrow(new TypeError('seeds must be an array of { host, port? } or a "host:port,…" string, got 42'));
    expect(() => Cluster.connect$({ seeds: 'h:99999' })).toThrow(new RangeError('seeds: bad port in "h:99999"'));
    expect(() => Cluster.connect$({ ...base, rackIds: [1, -1] })).toThrow(new RangeError('rackIds[1] must be an integer in [0, 2147483647], got -1'));
    expect(() => Cluster.connect$({ ...base, transport: {} as never })).toThrow(new TypeError('transport must implement NodeTransport (connect$, info$, command$, …)'));
  });

  it('parses seed strings: host, host:port, [IPv6]:port, bare IPv6, spaces', () => {
    expect(parseSeeds('a, b:3100 ,[::1]:3200,fe80::1')).toEqual([
      { host: 'a', port: 3000 },
      { host: 'b', port: 3100 },
      { host: '::1', port: 3200 },
      { host: 'fe80::1', port: 3000 },
    ]);
    expect(connectOptions(resolveClusterOptions({ seeds: [{ host: 'x' }], user: 'u', password: 'p' }))).toEqual({ user: 'u', password: 'p', connectTimeoutMs: 1000 });
  });
});
